import type { ParsedCookies } from './cookies.ts'

/**
 * Splitting one sealed value over several cookies, and joining them back.
 *
 * Layout: a value that fits in one cookie is written as `name`; a larger one as `name.0`,
 * `name.1`, ... `name.(n-1)` with no `name` cookie. A write deletes every cookie of the other
 * layout and every chunk index above the new count that the request carried, so a smaller session
 * never leaves stale chunks behind. Reading is strict: both layouts at once, a gap in the indices,
 * an index at or above the cap, a non-canonical index (`name.01`), or a duplicated name all read as
 * nothing. Reordered chunks join to a different string, which then fails authentication.
 */

/**
 * Longest cookie value per chunk. Browsers keep cookies whose name and value total at most 4096
 * bytes (RFC 6265bis §5.6); older ones counted the whole `Set-Cookie` line. 3800 leaves room for
 * `__Host-` names, the chunk suffix and ~130 bytes of attributes under 4096 either way.
 */
export const CHUNK_VALUE_LENGTH = 3800

/** The cookie layout of one name in a request. */
export interface ChunkScan {
  /** The joined value, when the layout is valid and present. */
  value: string | undefined
  /** Every cookie name of this family the request carried (to delete on write or clear). */
  present: string[]
}

/**
 * Reads the cookie family `name` from parsed request cookies.
 *
 * @example
 * ```ts
 * const { value } = readChunks(parseCookieHeader(header), 'idweb.session', 3)
 * ```
 */
export function readChunks(cookies: ParsedCookies, name: string, maxChunks: number): ChunkScan {
  const prefix = `${name}.`
  const present: string[] = []
  const chunks = new Map<number, string>()
  let invalid = false
  for (const [cookieName, value] of cookies.values) {
    if (cookieName === name) {
      present.push(cookieName)
      continue
    }
    if (!cookieName.startsWith(prefix)) continue
    present.push(cookieName)
    const suffix = cookieName.slice(prefix.length)
    const index = /^(0|[1-9][0-9]{0,2})$/.test(suffix) ? Number(suffix) : -1
    if (index < 0 || index >= maxChunks) invalid = true
    else chunks.set(index, value)
  }
  for (const dup of cookies.duplicates) {
    if (dup === name || dup.startsWith(prefix)) invalid = true
  }
  const single = cookies.values.get(name)
  if (invalid || (single !== undefined && chunks.size > 0)) return { value: undefined, present }
  if (single !== undefined) return { value: single, present }
  if (chunks.size === 0) return { value: undefined, present }
  const parts: string[] = []
  for (let i = 0; i < chunks.size; i++) {
    const part = chunks.get(i)
    if (part === undefined) return { value: undefined, present }
    parts.push(part)
  }
  return { value: parts.join(''), present }
}

/** Cookie names and values to write for `value`, or `undefined` if it needs more than `maxChunks`. */
export function splitChunks(
  name: string,
  value: string,
  maxChunks: number,
): Array<[string, string]> | undefined {
  if (value.length <= CHUNK_VALUE_LENGTH) return [[name, value]]
  const count = Math.ceil(value.length / CHUNK_VALUE_LENGTH)
  if (count > maxChunks) return undefined
  const out: Array<[string, string]> = []
  for (let i = 0; i < count; i++) {
    out.push([`${name}.${i}`, value.slice(i * CHUNK_VALUE_LENGTH, (i + 1) * CHUNK_VALUE_LENGTH)])
  }
  return out
}
