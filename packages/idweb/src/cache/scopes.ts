/**
 * Scope sets as the token cache compares them: case-insensitive, whitespace-split, without the
 * OpenID Connect scopes (`openid`, `profile`, `offline_access`) that never appear in an access
 * token's audience, sorted so that one set has one canonical {@link ScopeSet.key}.
 */

const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'offline_access'])

/**
 * An immutable, normalized set of scopes. Build it once with {@link scopeSet} and reuse it: the
 * cache's silent lookup with a `ScopeSet` does no string work at all.
 *
 * @example
 * ```ts
 * const graph = scopeSet(['User.Read', 'openid'])
 * graph.key // 'user.read'
 * scopeSet(['Mail.Read User.Read']).contains(graph) // true
 * ```
 */
export class ScopeSet {
  /** The lowercased scopes, sorted, without duplicates nor OIDC scopes. */
  readonly items: readonly string[]
  /** The canonical form: {@link ScopeSet.items} joined with one space. Equal sets, equal keys. */
  readonly key: string
  readonly #set: ReadonlySet<string>

  /** Prefer {@link scopeSet}, which reuses sets already built for the same input. */
  constructor(scopes: Iterable<string>) {
    const set = new Set<string>()
    for (const raw of scopes) {
      for (const part of raw.split(/\s+/)) {
        const scope = part.toLowerCase()
        if (scope !== '' && !OIDC_SCOPES.has(scope)) set.add(scope)
      }
    }
    this.items = Object.freeze([...set].sort())
    this.key = this.items.join(' ')
    this.#set = set
  }

  /** Number of scopes. */
  get size(): number {
    return this.items.length
  }

  /** Whether `scope` (any case) is in the set. */
  has(scope: string): boolean {
    return this.#set.has(scope.toLowerCase())
  }

  /** Whether every scope of `other` is in this set (this set is a superset of `other`). */
  contains(other: ScopeSet): boolean {
    if (other.items.length > this.items.length) return false
    for (const scope of other.items) if (!this.#set.has(scope)) return false
    return true
  }

  /** Whether the two sets share at least one scope. */
  intersects(other: ScopeSet): boolean {
    for (const scope of other.items) if (this.#set.has(scope)) return true
    return false
  }
}

const byArray = new WeakMap<readonly string[], ScopeSet>()
const byText = new Map<string, ScopeSet>()
const MAX_INTERNED = 1024

/**
 * The {@link ScopeSet} of `scopes`. The same frozen array (typically a constant from
 * configuration) maps to the same set without any work; other arrays, which may change between
 * calls, share a set with equal ones through a small bounded table.
 *
 * @example
 * ```ts
 * const GRAPH = Object.freeze(['User.Read'])
 * partition.findAccessToken({ clientId, environment, realm, scopes: GRAPH })
 * ```
 */
export function scopeSet(scopes: readonly string[] | ScopeSet): ScopeSet {
  if (scopes instanceof ScopeSet) return scopes
  // Only a frozen array is worth remembering by identity: a handler's `['User.Read']` literal
  // is a new array on every request, and would only churn the WeakMap.
  const frozen = Object.isFrozen(scopes)
  if (frozen) {
    const known = byArray.get(scopes)
    if (known !== undefined) return known
  }
  const text = scopes.length === 1 ? (scopes[0] as string) : scopes.join(' ')
  let set = byText.get(text)
  if (set === undefined) {
    set = new ScopeSet(scopes)
    if (byText.size >= MAX_INTERNED) byText.clear()
    byText.set(text, set)
  }
  if (frozen) byArray.set(scopes, set)
  return set
}
