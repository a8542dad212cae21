import type { LogFields, Logger } from '../../../src/logger.ts'

export interface CapturedLine {
  level: 'debug' | 'info' | 'warn' | 'error'
  message: string
  fields: LogFields | undefined
}

/** A logger that keeps every line, to assert what was (and was not) logged. */
export function captureLogger(): Logger & { lines: CapturedLine[]; text(): string } {
  const lines: CapturedLine[] = []
  const at =
    (level: CapturedLine['level']) =>
    (message: string, fields?: LogFields): void =>
      void lines.push({ level, message, fields })
  return {
    lines,
    text: () => lines.map((l) => `${l.level} ${l.message} ${JSON.stringify(l.fields)}`).join('\n'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  }
}
