import { createHash } from 'node:crypto'

/** Structured fields attached to a log line. Never put tokens, secrets or cookies in them. */
export type LogFields = Record<string, string | number | boolean | undefined>

/**
 * The logger idweb writes to. Any object with these four methods fits (pino, winston, console
 * wrappers). idweb never passes tokens, secrets, cookies or raw account ids to it: account ids go
 * through {@link redactId} first.
 */
export interface Logger {
  /** Detail for troubleshooting: discovery, cache hits and misses, retries. */
  debug(message: string, fields?: LogFields): void
  /** A normal event worth a line: startup, sign-in, sign-out. */
  info(message: string, fields?: LogFields): void
  /** Something to look at that idweb worked around: insecure dev settings, a failing store. */
  warn(message: string, fields?: LogFields): void
  /** Something failed and the request (or the startup) with it. */
  error(message: string, fields?: LogFields): void
}

/** A logger that drops everything: the default, so a library never writes on its own. */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
})

/** A logger writing one line per call to the console, for examples and development. */
export function consoleLogger(prefix = 'idweb'): Logger {
  const line = (message: string, fields?: LogFields) =>
    fields && Object.keys(fields).length > 0
      ? `${prefix}: ${message} ${JSON.stringify(fields)}`
      : `${prefix}: ${message}`
  return {
    debug: (m, f) => console.debug(line(m, f)),
    info: (m, f) => console.info(line(m, f)),
    warn: (m, f) => console.warn(line(m, f)),
    error: (m, f) => console.error(line(m, f)),
  }
}

/**
 * A short, stable, non-reversible label for an account id or partition key, for logs: the first
 * 12 hex characters of its SHA-256.
 */
export function redactId(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 12)
}
