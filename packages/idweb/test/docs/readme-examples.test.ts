import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, it } from 'node:test'

const root = new URL('../../../../', import.meta.url).pathname
const docs = [
  'README.md',
  'packages/dev-idp/README.md',
  'docs/moving-from-msal-node.md',
  'docs/configuration.md',
  'docs/token-cache-stores.md',
  'docs/credentials.md',
  'docs/moving-from-express-openid-connect.md',
  'examples/daemon/README.md',
]

/** The ```ts blocks of a Markdown file. */
function typescriptBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '')
}

describe('code examples in the READMEs compile', () => {
  it('typechecks every TypeScript block against the real packages', () => {
    // Inside the repository, so 'idweb' and '@idweb/dev-idp' resolve through node_modules.
    const dir = join(root, 'node_modules', '.cache', 'idweb-readme-examples')
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    const files: string[] = []
    for (const doc of docs) {
      typescriptBlocks(readFileSync(join(root, doc), 'utf8')).forEach((code, i) => {
        const file = join(dir, `${doc.replaceAll('/', '_')}.${i}.ts`)
        // Each block is a module of its own (top-level await, no clashing names).
        writeFileSync(file, `${code}\nexport {}\n`)
        files.push(file)
      })
    }
    assert.ok(files.length >= 3, `expected README examples, found ${files.length}`)
    // A Next.js block is compiled as a Next.js app compiles it: with a bundler's resolution, in
    // which `next/headers` needs no extension. Every other block is a Node ESM module.
    const isNext = (file: string) => /from 'next\//.test(readFileSync(file, 'utf8'))
    const groups = [
      { name: 'node', files: files.filter((f) => !isNext(f)), options: {} },
      {
        name: 'next',
        files: files.filter(isNext),
        options: { module: 'esnext', moduleResolution: 'bundler' },
      },
    ]
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
    for (const group of groups.filter((g) => g.files.length > 0)) {
      const config = join(dir, `tsconfig.${group.name}.json`)
      writeFileSync(
        config,
        JSON.stringify({
          extends: join(root, 'tsconfig.base.json'),
          compilerOptions: { noEmit: true, noUnusedLocals: false, ...group.options },
          files: group.files,
        }),
      )
      const result = spawnSync(process.execPath, [tsc, '-p', config], { encoding: 'utf8' })
      assert.equal(
        result.status,
        0,
        `README examples (${group.name}) do not compile:\n${result.stdout}${result.stderr}`,
      )
    }
  })
})
