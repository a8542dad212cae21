import { type LogFields, type Logger, silentLogger } from '../logger.ts'

/** Warnings already printed by this process, by message and fields. */
const printed = new Set<string>()

/** A logger that holds its warnings back until {@link DeferredWarnings.flush}. */
export interface DeferredWarnings {
  /** Passes debug, info and error through; keeps warnings. */
  readonly logger: Logger
  /** Writes the kept warnings to the real logger, each one once per process. */
  flush(): void
}

/**
 * Holds startup warnings (INSECURE http, certificate expiry) back until the configuration has
 * been accepted, so that a configuration refused at startup shows its error alone, and prints
 * each of them once per process however many times the same configuration is resolved (a test
 * suite, a second `createIdweb`, a start that failed and was tried again).
 *
 * @example
 * ```ts
 * const warnings = deferWarnings(logger)
 * const config = resolveConfig(options, { logger: warnings.logger }) // may throw: nothing logged
 * warnings.flush()
 * ```
 */
export function deferWarnings(target: Logger): DeferredWarnings {
  const kept: [string, LogFields | undefined][] = []
  const logger: Logger = {
    debug: (message, fields) => target.debug(message, fields),
    info: (message, fields) => target.info(message, fields),
    warn: (message, fields) => void kept.push([message, fields]),
    error: (message, fields) => target.error(message, fields),
  }
  return {
    logger,
    flush() {
      for (const [message, fields] of kept.splice(0)) {
        // Nothing reaches the silent logger, so it must not use up the one printing.
        if (target === silentLogger) continue
        const key = `${message}\n${JSON.stringify(fields ?? {})}`
        if (printed.has(key)) continue
        printed.add(key)
        target.warn(message, fields)
      }
    },
  }
}
