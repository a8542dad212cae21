// Runs the `idweb` command as a user does: a separate process, piped, or in a pseudo-terminal
// (util-linux `script`), against the dev IdP, with its own cache file.
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../src/public/cli/bin.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

/** tsx's loader by its path, so the command runs from any working directory. */
const TSX = import.meta.resolve('tsx')

/** The command line that runs the command from source. */
export const IDWEB = [process.execPath, '--conditions=source', '--import', TSX, BIN]

/** A running `idweb` process whose output is collected. */
export interface Run {
  readonly child: ChildProcess
  stdout: string
  stderr: string
  /** Resolves the exit code. */
  readonly done: Promise<number>
  /** Resolves the first output line (stdout or stderr) that matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>
}

function collect(child: ChildProcess): Run {
  const run: Run = {
    child,
    stdout: '',
    stderr: '',
    done: new Promise((resolve) => {
      child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
    }),
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = `${run.stdout}\n${run.stderr}`.split(/\r?\n/).find((l) => pattern.test(l))
        if (found !== undefined) return found
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`no line matching ${pattern}; output:\n${run.stdout}\n${run.stderr}`)
        }
        await new Promise((r) => setTimeout(r, 25))
      }
    },
  }
  child.stdout?.on('data', (d: Buffer) => {
    run.stdout += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    run.stderr += d.toString()
  })
  return run
}

/** `idweb <args>` with its output piped. */
export function idweb(args: string[], env: Record<string, string>, input?: string): Run {
  const [node, ...rest] = IDWEB as [string, ...string[]]
  const child = spawn(node, [...rest, ...args], {
    cwd: env.IDWEB_TEST_CWD ?? ROOT,
    env: { ...cleanEnv(), ...env },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  })
  if (input !== undefined) child.stdin?.end(input)
  return collect(child)
}

/** `idweb <args>` in a pseudo-terminal, as typed at a shell prompt. */
export function idwebInTerminal(args: string[], env: Record<string, string>): Run {
  const command = [...IDWEB, ...args].map(quote).join(' ')
  const child = spawn(
    'script',
    ['--quiet', '--flush', '--return', '--command', command, '/dev/null'],
    {
      cwd: env.IDWEB_TEST_CWD ?? ROOT,
      env: { ...cleanEnv(), TERM: 'xterm-256color', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  )
  return collect(child)
}

/** The environment without what would change the command's defaults. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (
      v === undefined ||
      k.startsWith('IDWEB_') ||
      k === 'NO_COLOR' ||
      k === 'NODE_TEST_CONTEXT' ||
      // No session bus, as on a headless box: the cache is the plaintext file the tests read.
      k === 'DBUS_SESSION_BUS_ADDRESS'
    ) {
      continue
    }
    env[k] = v
  }
  env.BROWSER = 'none'
  return env
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`
}
