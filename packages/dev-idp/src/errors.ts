/**
 * Errors the development provider raises to its host program (not protocol errors, which are
 * answered over HTTP in Entra's shape). Match on `code`.
 *
 * @example
 * ```ts
 * try {
 *   await startDevIdp({ directory: './my-directory.json' })
 * } catch (err) {
 *   if (err instanceof DevIdpError && err.code === 'DEV_IDP_DIRECTORY_INVALID') console.error(err.message)
 * }
 * ```
 */
export const devIdpErrorCodes = {
  /** The directory JSON is missing, unreadable, or holds an invalid entry. */
  DEV_IDP_DIRECTORY_INVALID: 'DEV_IDP_DIRECTORY_INVALID',
  /** An option passed to `startDevIdp` is invalid. */
  DEV_IDP_OPTIONS_INVALID: 'DEV_IDP_OPTIONS_INVALID',
  /** The local certificate authority for `--https` could not be created or read. */
  DEV_IDP_HTTPS_FAILED: 'DEV_IDP_HTTPS_FAILED',
} as const

/** A stable dev-idp error code. */
export type DevIdpErrorCode = keyof typeof devIdpErrorCodes

/** The error class of everything `@idweb/dev-idp` throws on purpose. */
export class DevIdpError extends Error {
  /** Always `DevIdpError`. */
  override readonly name = 'DevIdpError'
  /** The stable code from {@link devIdpErrorCodes}. */
  readonly code: DevIdpErrorCode

  constructor(code: DevIdpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
