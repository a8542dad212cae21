import { ConfigError } from '../errors.ts'

/**
 * Checks a route path such as `/signin-oidc`: absolute path, no wildcard, query, fragment,
 * backslash, `..` segment or scheme-relative `//`.
 *
 * @throws ConfigError naming `key`.
 * @example
 * ```ts
 * routePath('/signin-oidc', 'callbackPath') // '/signin-oidc'
 * ```
 */
export function routePath(value: unknown, key: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(key, 'must be a path such as /signin-oidc.')
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) || value.startsWith('//')) {
    throw new ConfigError(
      key,
      `"${value}" is a URL: give only the path, e.g. /signin-oidc; the host comes from the request.`,
    )
  }
  if (!value.startsWith('/'))
    throw new ConfigError(key, `"${value}" must start with /, e.g. /${value}.`)
  if (value.includes('*'))
    throw new ConfigError(key, `"${value}" contains a wildcard: give one exact path.`)
  if (/[?#\\\s%]/.test(value) || value.split('/').includes('..') || value.length > 512) {
    throw new ConfigError(
      key,
      `"${value}" must be a plain path: no query, fragment, spaces, encoding, backslash or "..".`,
    )
  }
  return value
}

/** Whether a host is the local machine (`localhost`, `127.0.0.0/8`, `[::1]`). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase()
  return (
    h === 'localhost' || h.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(h) || h === '[::1]'
  )
}

/**
 * An integer within bounds, or `fallback` when absent.
 *
 * @throws ConfigError naming `key`.
 * @example
 * ```ts
 * integer(undefined, 'tokenRefreshWindowSeconds', 300, 0, 3600) // 300
 * ```
 */
export function integer(
  value: unknown,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      key,
      `must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}.`,
    )
  }
  return value
}

/**
 * A list of space-separated or array scopes, de-duplicated.
 *
 * @throws ConfigError naming `key`.
 * @example
 * ```ts
 * scopeList('User.Read Mail.Read', 'initialScopes') // ['User.Read', 'Mail.Read']
 * ```
 */
export function scopeList(value: unknown, key: string): string[] {
  if (value === undefined) return []
  const items = typeof value === 'string' ? value.split(/\s+/) : value
  if (!Array.isArray(items) || !items.every((s) => typeof s === 'string')) {
    throw new ConfigError(key, 'must be an array of scopes or a space-separated string.')
  }
  const scopes = items.map((s: string) => s.trim()).filter((s) => s.length > 0)
  for (const s of scopes) {
    if (/\s|"/.test(s)) throw new ConfigError(key, `"${s}" is not a scope.`)
  }
  return [...new Set(scopes)]
}

const PLACEHOLDER = /^\s*(\[.*\]|<.*>|enter_the_.*)\s*$/i

/** Whether a value still holds a template placeholder such as `[Enter_the_Client_Id]`. */
export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value)
}

/** The closest of `candidates` to `word` (case-insensitive edit distance ≤ 2), for "did you mean". */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase())
    if (d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  return best
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number
      row[j] = Math.min(
        current + 1,
        (row[j - 1] as number) + 1,
        previous + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
      previous = current
    }
  }
  return row[b.length] as number
}
