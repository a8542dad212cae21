import assert from 'node:assert/strict'
import {
  BearerError,
  type BearerFailureReason,
  type BearerValidator,
  type BearerValidatorOptions,
  createBearerValidator,
  toErrorResponse,
} from '../../../src/api/index.ts'
import { CLIENT_ID, ISSUER_TEMPLATE, type TestIssuer } from './test-issuer.ts'

/** A validator for the test issuer: Entra multi-tenant template, the test API's client id. */
export function validatorFor(
  issuer: TestIssuer,
  options: Partial<BearerValidatorOptions> = {},
): BearerValidator {
  return createBearerValidator({
    jwksUri: issuer.jwksUri,
    issuer: ISSUER_TEMPLATE,
    clientId: CLIENT_ID,
    ...options,
  })
}

/**
 * Asserts that `attempt` is refused with `reason`, that the error is a BearerError (never anything
 * else), and that its response is `status` with an RFC 6750 challenge.
 */
export async function assertRefused(
  attempt: Promise<unknown>,
  reason: BearerFailureReason,
  status = 401,
): Promise<BearerError> {
  const error = await attempt.then(
    () => assert.fail(`expected a refusal (${reason}), got a principal`),
    (err: unknown) => err,
  )
  assert.ok(error instanceof BearerError, `expected a BearerError, got ${String(error)}`)
  assert.equal(error.reason, reason, error.message)
  const response = toErrorResponse(error)
  assert.equal(response.status, status)
  if (status === 401 || status === 403) {
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer( |$)/)
  }
  return error
}
