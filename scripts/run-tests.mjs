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

const child = spawn(
  process.execPath,
  [
    '--conditions=source',
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    ...passThrough,
    ...files,
  ],
  { cwd: root, stdio: 'inherit' },
)
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)))
