// Finds every *.test.ts below the workspaces (or below the paths given as arguments) and runs
// them with Node's own test runner, TypeScript loaded through tsx and workspace packages resolved
// to their sources through the "source" export condition.
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'))
const searchRoots = roots.length > 0 ? roots : ['packages', 'examples', 'bench']

function collect(dir, out) {
  let entries
  try {
    entries = readdirSync(dir)
  } catch {
    return out
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) collect(path, out)
    else if (name.endsWith('.test.ts')) out.push(relative(root, path))
  }
  return out
}

const files = []
for (const r of searchRoots) {
  const abs = join(root, r)
  if (statSync(abs, { throwIfNoEntry: false })?.isFile()) files.push(relative(root, abs))
  else collect(abs, files)
}
files.sort()
if (files.length === 0) {
  console.error(`no test files found under ${searchRoots.join(', ')}`)
  process.exit(1)
}

// Nothing may hang the run. Node 20 and 22 apply --test-timeout to each test file as a whole,
// Node 24 to each test and hook: either way a stuck wait fails within five minutes, naming its
// file or test, instead of holding CI until its own limit. --test-force-exit ends a file whose
// tests are done even when a handle (a reconnecting client, a child process) is still open.
const guards = []
if (!passThrough.some((a) => a.startsWith('--test-timeout'))) guards.push('--test-timeout=300000')
if (!passThrough.includes('--test-force-exit')) guards.push('--test-force-exit')

const child = spawn(
  process.execPath,
  [
    '--conditions=source',
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    ...guards,
    ...passThrough,
    ...files,
  ],
  { cwd: root, stdio: 'inherit', detached: true },
)
// And the run as a whole: past IDWEB_TEST_RUN_MINUTES (30 by default) the runner and every
// process it started are stopped, and the run fails saying so.
const minutes = Number(process.env.IDWEB_TEST_RUN_MINUTES ?? 30)
const watchdog = setTimeout(() => {
  console.error(`run-tests: the run passed ${minutes} minutes; stopping it`)
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {}
  process.exit(1)
}, minutes * 60_000)
watchdog.unref()
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    try {
      process.kill(-child.pid, signal)
    } catch {}
    process.exit(1)
  })
}
child.on('exit', (code, signal) => {
  // A private server a failed test left running goes with the run.
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {}
  process.exit(signal ? 1 : (code ?? 1))
})
