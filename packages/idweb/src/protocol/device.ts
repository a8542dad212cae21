import * as oauth from 'oauth4webapi'
import { IdwebError } from '../errors.ts'
import { OIDC_SCOPES } from './authorize.ts'
import { checkIdTokenSignature, issuerFor } from './code.ts'
import { type ProtocolContext, requestOptions } from './context.ts'
import { isIdTokenFailure, toIdwebError } from './errors.ts'
import { type TokenResult, toTokenResult } from './tokens.ts'

/** What the user is shown to sign in on another device (RFC 8628 §3.2). */
export interface DeviceCode {
  /** The code the user types on the verification page, e.g. `WDJB-MJHT`. */
  readonly userCode: string
  /** The page to open, e.g. `https://microsoft.com/devicelogin`. */
  readonly verificationUri: string
  /** The page with the code filled in, when the provider gives one. */
  readonly verificationUriComplete: string | undefined
  /** The provider's own sentence for the user (Entra's `message`), else one built here. */
  readonly message: string
  /** When the code stops working. */
  readonly expiresOn: Date
}

/** A started device authorization: what to show, and what to poll with. */
export interface DeviceAuthorization extends DeviceCode {
  /** The secret the client polls with: never shown or logged. */
  readonly deviceCode: string
  /** Seconds between polls, as the provider asked (5 when it did not say). */
  readonly intervalSeconds: number
  readonly scopes: readonly string[]
}

/** Starts the device authorization grant for `scopes` (the OpenID scopes added). */
export async function startDeviceAuthorization(
  ctx: ProtocolContext,
  scopes: readonly string[],
): Promise<DeviceAuthorization> {
  if (!ctx.as.device_authorization_endpoint) {
    throw new IdwebError(
      'IDW_PROTOCOL_ERROR',
      'The identity provider publishes no device_authorization_endpoint: sign in with the browser instead.',
    )
  }
  const parameters: Record<string, string> = {
    scope: [...new Set([...OIDC_SCOPES, ...scopes])].join(' '),
  }
  if (ctx.requestClientInfo) parameters.client_info = '1'
  let answer: oauth.DeviceAuthorizationResponse
  try {
    const response = await ctx.authenticator.run((clientAuth) =>
      oauth.deviceAuthorizationRequest(
        ctx.as,
        ctx.client,
        clientAuth,
        parameters,
        requestOptions(ctx.http),
      ),
    )
    answer = await oauth.processDeviceAuthorizationResponse(ctx.as, ctx.client, response)
  } catch (err) {
    throw toIdwebError(err, scopes)
  }
  const uri = answer.verification_uri
  const message =
    typeof answer.message === 'string' && answer.message
      ? answer.message
      : `To sign in, open ${uri} and enter the code ${answer.user_code}.`
  return {
    userCode: answer.user_code,
    verificationUri: uri,
    verificationUriComplete: answer.verification_uri_complete,
    message,
    expiresOn: new Date(Date.now() + answer.expires_in * 1000),
    deviceCode: answer.device_code,
    intervalSeconds: answer.interval && answer.interval > 0 ? answer.interval : 5,
    scopes,
  }
}

/** How {@link pollDeviceCode} waits; a test can shorten it. */
export interface PollOptions {
  /** Stops polling: the sign-in is abandoned (`IDW_TIMEOUT`). */
  signal?: AbortSignal | undefined
  /** Waits `ms`. Default a timer. */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined
}

/**
 * Polls the token endpoint until the user finished on the other device, honouring `interval` and
 * `slow_down` (RFC 8628 §3.5). The first poll is at once. A refusal (`access_denied`,
 * `expired_token`) is `IDW_AUTHORIZATION_DENIED`; the ID token is checked like a code grant's.
 */
export async function pollDeviceCode(
  ctx: ProtocolContext,
  device: DeviceAuthorization,
  options: PollOptions = {},
): Promise<TokenResult> {
  const sleep = options.sleep ?? delay
  let interval = device.intervalSeconds
  for (;;) {
    if (options.signal?.aborted || Date.now() >= device.expiresOn.getTime()) {
      throw new IdwebError(
        'IDW_TIMEOUT',
        'The device code sign-in was not completed in time. Start it again.',
      )
    }
    const polled = await pollOnce(ctx, device)
    if (polled === 'pending') {
      await sleep(interval * 1000, options.signal)
    } else if (polled === 'slow_down') {
      interval += 5
      await sleep(interval * 1000, options.signal)
    } else {
      return polled
    }
  }
}

async function pollOnce(
  ctx: ProtocolContext,
  device: DeviceAuthorization,
): Promise<TokenResult | 'pending' | 'slow_down'> {
  let response: Response
  try {
    response = await ctx.authenticator.run((clientAuth) =>
      oauth.deviceCodeGrantRequest(ctx.as, ctx.client, clientAuth, device.deviceCode, {
        ...requestOptions(ctx.http),
        additionalParameters: ctx.requestClientInfo ? { client_info: '1' } : undefined,
      }),
    )
  } catch (err) {
    throw toIdwebError(err, device.scopes)
  }
  const as = await issuerFor(ctx, response)
  let processed: oauth.TokenEndpointResponse
  try {
    processed = await oauth.processDeviceCodeResponse(as, ctx.client, response)
  } catch (err) {
    if (err instanceof oauth.ResponseBodyError) {
      if (err.error === 'authorization_pending') return 'pending'
      if (err.error === 'slow_down') return 'slow_down'
      if (err.error === 'access_denied' || err.error === 'expired_token') {
        throw new IdwebError(
          'IDW_AUTHORIZATION_DENIED',
          err.error === 'access_denied'
            ? 'The sign-in was declined on the other device.'
            : 'The device code expired before the sign-in was completed. Start it again.',
          { cause: err },
        )
      }
    }
    if (isIdTokenFailure(err)) {
      throw new IdwebError('IDW_ID_TOKEN_INVALID', 'The ID token was rejected', { cause: err })
    }
    throw toIdwebError(err, device.scopes)
  }
  await checkIdTokenSignature(ctx, as, response, processed)
  return toTokenResult(processed, device.scopes)
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
