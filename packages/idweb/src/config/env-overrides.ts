/** A JSON-like configuration tree. */
export type ConfigTree = { [key: string]: ConfigValue }
/** A value in a {@link ConfigTree}. */
export type ConfigValue = string | number | boolean | null | ConfigValue[] | ConfigTree

function isTree(value: unknown): value is ConfigTree {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The key of `tree` equal to `key` ignoring case (the last one if several), or `undefined`.
 *
 * @example
 * ```ts
 * findKey({ ClientId: 'x' }, 'clientid') // 'ClientId'
 * ```
 */
export function findKey(tree: ConfigTree, key: string): string | undefined {
  const lower = key.toLowerCase()
  let found: string | undefined
  for (const k of Object.keys(tree)) if (k.toLowerCase() === lower) found = k
  return found
}

/**
 * Applies .NET-style environment overrides to a configuration tree, in place: `AzureAd__ClientId`
 * sets `AzureAd.ClientId`, `DownstreamApis__TodoApi__Scopes__0` sets the first scope. Keys match
 * case-insensitively; only variables whose first segment is one of `sections` are read. A numeric
 * segment addresses an array element (a scalar there becomes an array).
 *
 * @example
 * ```ts
 * const tree = { AzureAd: { ClientId: 'from-file' } }
 * applyEnvOverrides(tree, { AZUREAD__CLIENTID: 'from-env' }, ['AzureAd'])
 * tree.AzureAd.ClientId // 'from-env'
 * ```
 */
export function applyEnvOverrides(
  tree: ConfigTree,
  env: Readonly<Record<string, string | undefined>>,
  sections: readonly string[],
): void {
  const wanted = new Set(sections.map((s) => s.toLowerCase()))
  const names = Object.keys(env)
    .filter((name) => name.includes('__') && wanted.has(name.split('__')[0]?.toLowerCase() ?? ''))
    .sort()
  for (const name of names) {
    const value = env[name]
    if (value === undefined) continue
    const path = name.split('__')
    if (path.some((segment) => segment.length === 0)) continue
    setPath(tree, path, value)
  }
}

function setPath(root: ConfigTree, path: readonly string[], value: string): void {
  let node: ConfigTree | ConfigValue[] = root
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] as string
    const last = i === path.length - 1
    const nextIsIndex = !last && /^\d+$/.test(path[i + 1] as string)
    if (Array.isArray(node)) {
      const index = Number(segment)
      if (!Number.isInteger(index) || index > 1000) return
      if (last) {
        node[index] = value
        return
      }
      node = ensureContainer(node, index, nextIsIndex)
    } else {
      const key = findKey(node, segment) ?? segment
      if (last) {
        node[key] = value
        return
      }
      node = ensureContainer(node, key, nextIsIndex)
    }
  }
}

function ensureContainer(
  parent: ConfigTree | ConfigValue[],
  key: string | number,
  wantArray: boolean,
): ConfigTree | ConfigValue[] {
  const current = (parent as Record<string | number, ConfigValue | undefined>)[key]
  if (Array.isArray(current) || isTree(current)) return current
  const created: ConfigTree | ConfigValue[] = wantArray ? [] : {}
  ;(parent as Record<string | number, ConfigValue>)[key] = created
  return created
}
