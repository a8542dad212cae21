/**
 * Entra's documented v2 claims (Microsoft identity platform "ID token claims reference" and
 * "Access token claims reference"), per token kind:
 * - `required`: always sent (for the scopes these tests ask);
 * - `optional`: only when the app registration configures it (ID tokens: the client app; access
 *   tokens: the API the token is for);
 * - `never`: not in v2 tokens of that kind (v1-only claims, user claims in app-only tokens,
 *   `upn` without configuration, `at_hash` in an ID token from the token endpoint).
 * Claims whose presence depends on more than that (roles, email, name in access tokens, groups
 * in app-only tokens, idtyp in user tokens) are left out rather than guessed.
 */
export type Presence = 'required' | 'optional' | 'never'
export type Kind = 'idToken' | 'delegated' | 'appOnly'

/** What a token is expected to say: the issuer, audience, client, subject and scope. */
export interface Expected {
  iss: string
  aud: string
  azp: string
  oid: string
  tid: string
  scp?: string
  roles?: string[]
  user?: { givenName: string; surname: string; groups: string[] }
}

export type Check = (value: unknown, e: Expected, claims: Record<string, unknown>) => boolean

export interface ClaimRow {
  claim: string
  presence: Partial<Record<Kind, Presence>>
  check?: Check
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const now = () => Math.floor(Date.now() / 1000)
const isTime: Check = (v) => Number.isInteger(v) && Math.abs(Number(v) - now()) < 120
const isOpaque: Check = (v) => typeof v === 'string' && /^[A-Za-z0-9_-]{16,}$/.test(v)
const all = (p: Presence): Record<Kind, Presence> => ({ idToken: p, delegated: p, appOnly: p })
const tokens = (p: Presence): Partial<Record<Kind, Presence>> => ({ delegated: p, appOnly: p })

export const table: ClaimRow[] = [
  { claim: 'aud', presence: all('required'), check: (v, e) => v === e.aud },
  { claim: 'iss', presence: all('required'), check: (v, e) => v === e.iss },
  { claim: 'iat', presence: all('required'), check: isTime },
  { claim: 'nbf', presence: all('required'), check: (v, _e, c) => isTime(v, _e, c) && v === c.iat },
  { claim: 'exp', presence: all('required'), check: (v, _e, c) => Number(v) > Number(c.iat) },
  { claim: 'sub', presence: all('required'), check: (v) => typeof v === 'string' && v !== '' },
  { claim: 'oid', presence: all('required'), check: (v, e) => v === e.oid && GUID.test(e.oid) },
  { claim: 'tid', presence: all('required'), check: (v, e) => v === e.tid },
  { claim: 'ver', presence: all('required'), check: (v) => v === '2.0' },
  { claim: 'aio', presence: all('required'), check: isOpaque },
  { claim: 'rh', presence: all('required'), check: isOpaque },
  {
    claim: 'uti',
    presence: all('required'),
    check: (v) => typeof v === 'string' && /^[A-Za-z0-9_-]{22}$/.test(v),
  },
  {
    claim: 'sid',
    presence: { idToken: 'required' },
    check: (v) => typeof v === 'string' && GUID.test(v),
  },
  { claim: 'name', presence: { idToken: 'required', appOnly: 'never' } },
  {
    claim: 'preferred_username',
    presence: { idToken: 'required', appOnly: 'never' },
    check: (v) => typeof v === 'string' && v.includes('@'),
  },
  { claim: 'azp', presence: tokens('required'), check: (v, e) => v === e.azp },
  { claim: 'azpacr', presence: tokens('required'), check: (v) => v === '1' },
  {
    claim: 'scp',
    presence: { idToken: 'never', delegated: 'required', appOnly: 'never' },
    check: (v, e) => v === e.scp,
  },
  {
    claim: 'roles',
    presence: { appOnly: 'required' },
    check: (v, e) => JSON.stringify(v) === JSON.stringify(e.roles),
  },
  {
    claim: 'given_name',
    presence: { idToken: 'optional', delegated: 'optional', appOnly: 'never' },
    check: (v, e) => v === e.user?.givenName,
  },
  {
    claim: 'family_name',
    presence: { idToken: 'optional', delegated: 'optional', appOnly: 'never' },
    check: (v, e) => v === e.user?.surname,
  },
  {
    claim: 'groups',
    presence: { idToken: 'optional', delegated: 'optional' },
    check: (v, e) => JSON.stringify(v) === JSON.stringify(e.user?.groups),
  },
  { claim: 'idtyp', presence: { appOnly: 'optional' }, check: (v) => v === 'app' },
  { claim: 'unique_name', presence: all('never') },
  { claim: 'upn', presence: all('never') },
  { claim: 'appid', presence: all('never') },
  { claim: 'appidacr', presence: all('never') },
  { claim: 'acr', presence: tokens('never') },
  { claim: 'amr', presence: tokens('never') },
  { claim: 'at_hash', presence: { idToken: 'never' } },
]
