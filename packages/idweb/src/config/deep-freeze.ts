/**
 * Freezes an object graph of plain objects and arrays (class instances such as `Secret` are
 * frozen too; functions are left alone, they belong to the caller).
 *
 * @example
 * ```ts
 * const config = deepFreeze({ paths: ['/signin'] })
 * Object.isFrozen(config.paths) // true
 * ```
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  for (const key of Reflect.ownKeys(value)) {
    deepFreeze((value as Record<PropertyKey, unknown>)[key])
  }
  return Object.freeze(value)
}
