// The session settings the server and the edge middleware must share: the secret that seals the
// session cookie, and the cookie's name. Free of Node built-ins, since middleware.ts imports it.

/** DEVELOPMENT ONLY, published in the repository: anyone can forge sessions sealed with it. */
const DEV_ONLY_SECRET = 'dev-only-next-example-session-secret-0123456789'

/** The session cookie's name: its own, so the examples can share localhost in one browser. */
export const cookieName = process.env.IDWEB_COOKIE_NAME || 'idweb.next'

/**
 * `IDWEB_SESSION_SECRET` (set it to `openssl rand -base64 48` anywhere but your own machine),
 * or the development-only secret.
 */
export function sessionSecrets(): string[] {
  return [process.env.IDWEB_SESSION_SECRET || DEV_ONLY_SECRET]
}
