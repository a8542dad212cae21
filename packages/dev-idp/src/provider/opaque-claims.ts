import { randomBytes } from 'node:crypto'

/**
 * The claims Entra documents as opaque and internal, fresh for every token: `aio` and `rh`
 * (random here, meaning nothing) and `uti`, the token's unique identifier (22 base64url
 * characters, as Entra's).
 */
export function opaqueClaims(): { aio: string; rh: string; uti: string } {
  return {
    aio: randomBytes(48).toString('base64url'),
    rh: randomBytes(32).toString('base64url'),
    uti: randomBytes(16).toString('base64url'),
  }
}
