import { IdwebError } from '../errors.ts'

/** `scheme:` at the start: an absolute URL (or `javascript:`, `data:`...). */
const SCHEME = /^[a-z][a-z0-9+.-]*:/i
/** Percent-encoded `.`, `/` or `\`: servers that decode them could be walked out of the base path. */
const ENCODED_SEPARATOR = /%(2e|2f|5c)/i

/**
 * Joins `relativePath` and `query` to an API's `baseUrl` (absolute, ending in `/`) and proves the
 * result stays under it: same origin, same base path. A leading `/` is read as relative to the base
 * path (`/me` under `https://graph.microsoft.com/v1.0/` is `.../v1.0/me`), never as the host root.
 *
 * @throws `IDW_BAD_REQUEST` when the path could send the token somewhere else.
 * @example
 * ```ts
 * apiUrl('https://api.contoso.com/todo/', 'items/42', { expand: 'owner' }).href
 * // 'https://api.contoso.com/todo/items/42?expand=owner'
 * apiUrl('https://api.contoso.com/todo/', '../admin') // throws IDW_BAD_REQUEST
 * ```
 */
export function apiUrl(
  baseUrl: string,
  relativePath: string,
  query?: Readonly<Record<string, string>>,
): URL {
  const base = new URL(baseUrl)
  const refuse = (why: string) =>
    new IdwebError('IDW_BAD_REQUEST', `The downstream API path was refused: ${why}.`)
  if (typeof relativePath !== 'string') throw refuse('it is not a string')
  const pathPart = relativePath.split(/[?#]/, 1)[0] ?? ''
  if (SCHEME.test(relativePath)) throw refuse('it is an absolute URL, not a path')
  if (relativePath.startsWith('//')) throw refuse('it names another host')
  if (relativePath.includes('\\')) throw refuse('it contains a backslash')
  if (ENCODED_SEPARATOR.test(pathPart)) throw refuse('it contains an encoded ".", "/" or "\\"')
  // A lone leading "/" means "from the base path", as Identity.Web's BaseUrl + RelativePath does.
  const url = new URL(relativePath.replace(/^\/(?!\/)/, ''), base)
  if (url.origin !== base.origin || url.username !== '' || url.password !== '') {
    throw refuse('it leaves the API origin')
  }
  if (!url.pathname.startsWith(base.pathname)) throw refuse('it leaves the API base path')
  url.hash = ''
  if (query) {
    for (const [name, value] of Object.entries(query)) url.searchParams.append(name, String(value))
  }
  return url
}
