import {
  type Authority,
  b2cAuthority,
  entraAuthority,
  parseAuthority,
} from '../authority/authority.ts'
import { ConfigError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import type { IdwebOptions } from './options.ts'

/** The default Entra instance: the public cloud. */
export const DEFAULT_INSTANCE = 'https://login.microsoftonline.com/'

/**
 * Builds the authority from `authority`, or `instance` + `tenantId`, or (B2C) `instance` +
 * `domain` + `signUpSignInPolicyId`; refuses conflicting values and `http:` unless
 * `allowInsecureHttp` (which it logs).
 *
 * @throws ConfigError naming the setting.
 * @example
 * ```ts
 * resolveAuthority({ tenantId: 'common' }, (k) => k, false, logger).authority
 * // 'https://login.microsoftonline.com/common/v2.0'
 * ```
 */
export function resolveAuthority(
  input: IdwebOptions,
  name: (path: string) => string,
  allowInsecureHttp: boolean,
  logger: Logger,
): Authority {
  const keys = {
    instance: name('instance'),
    tenant: name('tenantId'),
    authority: name('authority'),
    domain: name('domain'),
    policy: name('signUpSignInPolicyId'),
  }
  for (const k of [
    'instance',
    'tenantId',
    'authority',
    'domain',
    'signUpSignInPolicyId',
  ] as const) {
    const v = input[k]
    if (v !== undefined && (typeof v !== 'string' || v.trim() === '')) {
      throw new ConfigError(name(k), 'must be a non-empty string (or be left out).')
    }
  }
  const { instance, tenantId, authority, domain, signUpSignInPolicyId: policy } = input
  let result: Authority
  let source = keys.authority
  if (policy !== undefined && authority === undefined) {
    if (instance === undefined || new URL(instance).hostname === 'login.microsoftonline.com') {
      throw new ConfigError(
        keys.instance,
        'must be your B2C instance, e.g. https://contoso.b2clogin.com/, since SignUpSignInPolicyId makes this a B2C app.',
      )
    }
    if (domain === undefined) {
      throw new ConfigError(
        keys.domain,
        'is missing: B2C needs the tenant domain, e.g. contoso.onmicrosoft.com.',
      )
    }
    result = b2cAuthority(instance, domain, policy, keys)
    source = keys.instance
  } else if (authority !== undefined) {
    result = parseAuthority(authority, keys)
    if (instance !== undefined || tenantId !== undefined) {
      if (tenantId === undefined) {
        throw new ConfigError(
          keys.tenant,
          `is missing while ${keys.instance} and ${keys.authority} are both set: set only ${keys.authority}, or ${keys.instance} and ${keys.tenant}.`,
        )
      }
      const other = entraAuthority(instance ?? DEFAULT_INSTANCE, tenantId, keys)
      if (other.authority !== result.authority) {
        throw new ConfigError(
          keys.authority,
          `(${result.authority}) disagrees with ${keys.instance} + ${keys.tenant} (${other.authority}): keep only one of them.`,
        )
      }
    }
    if (policy !== undefined && result.policy?.toLowerCase() !== policy.toLowerCase()) {
      throw new ConfigError(
        keys.policy,
        `(${policy}) is not the user flow in ${keys.authority} (${result.policy ?? 'none'}).`,
      )
    }
  } else {
    if (tenantId === undefined) {
      throw new ConfigError(
        keys.tenant,
        'is missing: copy the Directory (tenant) ID from the app registration Overview page, or use organizations or common for a multi-tenant app.',
      )
    }
    result = entraAuthority(instance ?? DEFAULT_INSTANCE, tenantId, keys)
    source = instance === undefined ? keys.tenant : keys.instance
  }
  const url = new URL(result.authority)
  if (url.protocol === 'http:') {
    if (!allowInsecureHttp) {
      throw new ConfigError(
        source,
        `uses http: (${result.authority}). Use https, or for local development only (such as the dev IdP) set AllowInsecureHttp to true.`,
      )
    }
    logger.warn(
      'INSECURE: the identity provider is reached over plain http; for local development only',
      {
        authority: result.authority,
      },
    )
  }
  return result
}
