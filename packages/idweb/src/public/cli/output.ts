/** Where the command writes, and what it knows of its terminal. */
export interface Io {
  /** Results: a token, JSON, the account list. */
  readonly out: (text: string) => void
  /** Everything else: prompts, progress, errors. */
  readonly err: (text: string) => void
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  /** Whether stdout is a terminal: colours only then, and never with `NO_COLOR`. */
  readonly colour: boolean
  /** The same for stderr, where messages go. */
  readonly errColour: boolean
}

/** The process's own streams. */
export function processIo(): Io {
  const env = process.env
  // A reader that went away (`idweb token | head -c 10`) ends the command quietly.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err
      process.exit(process.exitCode ?? 0)
    })
  }
  const colours = (tty: boolean | undefined) => Boolean(tty) && !env.NO_COLOR && env.TERM !== 'dumb'
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env,
    cwd: process.cwd(),
    colour: colours(process.stdout.isTTY),
    errColour: colours(process.stderr.isTTY),
  }
}

/** Exit codes, so that scripts can tell what went wrong. */
export const Exit = Object.freeze({
  ok: 0,
  /** The provider refused, the network failed, the cache is unusable: the message says. */
  failed: 1,
  /** Nobody usable is signed in: run `idweb login`. */
  signInNeeded: 2,
  /** The command line or the configuration is wrong (sysexits' EX_USAGE). */
  usage: 64,
})

/** A command-line mistake: printed with the command's usage, exit 64. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** Paints `text` when the terminal of its stream (`out` or `err`) takes colours. */
export function paint(
  io: Io,
  colour: 'red' | 'green' | 'yellow' | 'dim' | 'bold',
  text: string,
  stream: 'out' | 'err' = 'out',
) {
  if (!(stream === 'out' ? io.colour : io.errColour)) return text
  const codes = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const
  return `\u001b[${codes[colour]}m${text}\u001b[0m`
}

/** Pretty JSON on one stream. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2)
}
