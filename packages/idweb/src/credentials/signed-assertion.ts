import { readFile } from 'node:fs/promises'
import { IdwebError } from '../errors.ts'

/**
 * A signed-assertion provider that re-reads `path` on every call, as workload identity requires
 * (the platform rotates the file, typically hourly). Surrounding whitespace is removed.
 *
 * @throws (from the returned function) IdwebError `IDW_CREDENTIAL_INVALID` when the file cannot be
 *   read or is empty.
 * @example
 * ```ts
 * const getAssertion = signedAssertionFromFile(process.env.AZURE_FEDERATED_TOKEN_FILE!)
 * const jwt = await getAssertion()
 * ```
 */
export function signedAssertionFromFile(path: string): () => Promise<string> {
  return async () => {
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      throw new IdwebError(
        'IDW_CREDENTIAL_INVALID',
        `The signed assertion file ${path} cannot be read: check that the workload identity volume is mounted.`,
        { cause: err },
      )
    }
    const assertion = text.trim()
    if (assertion.length === 0) {
      throw new IdwebError('IDW_CREDENTIAL_INVALID', `The signed assertion file ${path} is empty.`)
    }
    return assertion
  }
}
