import type { Directory } from './directory/types.ts'

/** Token lifetimes in seconds. */
export interface DevIdpTtl {
  /** Access tokens (user and app). Default 3600. */
  accessToken?: number
  /** ID tokens. Default 3600. */
  idToken?: number
  /** Refresh tokens. Default 14 days. */
  refreshToken?: number
  /** Authorization codes. Default 300. */
  code?: number
}

/** One line of the provider's log. Never carries a secret or a token. */
export interface DevIdpLogEntry {
  /** How much the line matters, as in idweb's `Logger`. */
  level: 'debug' | 'info' | 'warn' | 'error'
  /** What happened, in one sentence. */
  message: string
  /** Structured fields (ids, grant types, status codes). */
  fields?: Record<string, string | number | boolean | undefined>
}

/** Receives the provider's log lines. */
export type DevIdpLogger = (entry: DevIdpLogEntry) => void

/** Options of {@link startDevIdp}. */
export interface StartDevIdpOptions {
  /** TCP port; `0` picks a free one. Default 4000. */
  port?: number
  /** Host to bind and to name in URLs. Default `localhost`. */
  host?: '127.0.0.1' | 'localhost'
  /** Makes pairwise subjects and cookie keys stable across starts with the same seed. */
  seed?: string
  /** The directory (object), or the path of its JSON file. Default: the shipped demo. */
  directory?: Directory | string
  /** Serve https with a local CA (kept in `{dir}/.dev-idp/`, default the working directory). */
  https?:
    | boolean
    | {
        /** The folder `.dev-idp/` (the CA and its certificates) is kept in. */
        dir?: string
      }
  /** Refresh tokens are strictly single-use: a reused refresh token fails with `invalid_grant`. */
  rotateRefreshTokens?: boolean
  /** Send RFC 9207 `iss` in authorization responses of tenant endpoints (Entra does not). */
  issuerInAuthResponse?: boolean
  /** Token lifetimes in seconds. */
  ttl?: DevIdpTtl
  /** Receives log lines; none are written when absent. */
  logger?: DevIdpLogger
}

/** Where the served directory came from, so error pages can say which file to edit. */
export type DirectorySource = { kind: 'demo' } | { kind: 'file'; path: string } | { kind: 'object' }

/** Options with defaults filled in. */
export interface ResolvedOptions {
  directory: DirectorySource
  port: number
  host: '127.0.0.1' | 'localhost'
  seed: string
  https: false | { dir: string }
  rotateRefreshTokens: boolean
  issuerInAuthResponse: boolean
  ttl: Required<DevIdpTtl>
  logger: DevIdpLogger
}
