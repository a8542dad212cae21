// Builds and packs the publishable packages (idweb, @idweb/dev-idp) as they go to the registry:
// built JavaScript and types only, with README, LICENSE and CHANGELOG, and package.json without
// the `source` export condition, scripts or devDependencies (those serve the monorepo, where
// workspace packages resolve to their TypeScript sources). Each package is staged in a folder of
// its own and packed there with `npm pack`.
//
//   node scripts/pack.mjs [out-dir]     # default .pack/; prints the tarball paths
//   npm publish .pack/<name>-<version>.tgz
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = resolve(process.argv[2] ?? join(root, '.pack'))
const PACKAGES = ['packages/idweb', 'packages/dev-idp']
const windows = process.platform === 'win32'
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

/** `exports` without the `source` condition, which points at TypeScript the tarball does not ship. */
function withoutSource(exports) {
  if (typeof exports !== 'object' || exports === null) return exports
  return Object.fromEntries(
    Object.entries(exports)
      .filter(([condition]) => condition !== 'source')
      .map(([key, value]) => [key, withoutSource(value)]),
  )
}

mkdirSync(out, { recursive: true })
const tarballs = []
for (const dir of PACKAGES) {
  const from = join(root, dir)
  const manifest = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8'))
  execFileSync(process.execPath, [tsc, '-p', join(from, 'tsconfig.build.json')], {
    stdio: 'inherit',
  })
  const stage = join(out, 'stage', manifest.name.replace('/', '__'))
  rmSync(stage, { recursive: true, force: true })
  mkdirSync(stage, { recursive: true })
  cpSync(join(from, 'dist'), join(stage, 'dist'), {
    recursive: true,
    filter: (path) => !path.endsWith('.tsbuildinfo'),
  })
  const extra = manifest.files.filter((f) => f !== 'dist' && f !== 'src' && !f.startsWith('!'))
  for (const file of extra) cpSync(join(from, file), join(stage, file), { recursive: true })
  for (const file of ['README.md', 'CHANGELOG.md']) {
    const own = join(from, file)
    cpSync(existsSync(own) ? own : join(root, file), join(stage, file))
  }
  cpSync(join(root, 'LICENSE'), join(stage, 'LICENSE'))
  const { scripts: _scripts, devDependencies: _dev, ...published } = manifest
  writeFileSync(
    join(stage, 'package.json'),
    `${JSON.stringify(
      {
        ...published,
        files: ['dist', ...extra, 'README.md', 'CHANGELOG.md', 'LICENSE'],
        exports: withoutSource(manifest.exports),
      },
      null,
      2,
    )}\n`,
  )
  // npm is a .cmd script on Windows, which only a shell runs.
  const name = execFileSync(
    windows ? 'npm.cmd' : 'npm',
    ['pack', '--pack-destination', out, '--silent'],
    {
      cwd: stage,
      encoding: 'utf8',
      shell: windows,
    },
  ).trim()
  tarballs.push(join(out, name.split('\n').at(-1)))
}
for (const t of tarballs) console.log(t)
