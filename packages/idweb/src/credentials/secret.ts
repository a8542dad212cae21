import { inspect } from 'node:util'

const REDACTED = '[redacted]'

/**
 * A secret value (client secret, private key) that does not print itself: `JSON.stringify`,
 * template strings and `console.log` show `[redacted]`. Read it with {@link Secret.reveal} at the
 * one place that needs it.
 *
 * @example
 * ```ts
 * const s = new Secret('p@ss')
 * `${s}` // '[redacted]'
 * s.reveal() // 'p@ss'
 * ```
 */
export class Secret {
  readonly #value: string

  constructor(value: string) {
    this.#value = value
  }

  /** The secret itself. Never log it. */
  reveal(): string {
    return this.#value
  }

  toString(): string {
    return REDACTED
  }

  toJSON(): string {
    return REDACTED
  }

  [inspect.custom](): string {
    return REDACTED
  }
}
