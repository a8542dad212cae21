// The web suite (suite.ts) against the Express (5 and 4), Fastify and Hono adapters with the
// contract apps of apps.ts, and against Hono on Bun and on Deno (runtime-mount.ts).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  type Mount,
  mountExpress4,
  mountExpress5,
  mountFastify,
  mountHono,
  mountHonoRoutes,
} from './apps.ts'
import { missingRuntime, runtimeMount } from './runtime-mount.ts'
import { webSuite } from './suite.ts'

/** Each framework's mount, and why it cannot run here (a runtime that is not installed). */
const frameworks: Array<[string, Mount, string?]> = [
  ['Express 5', mountExpress5],
  ['Express 4', mountExpress4],
  ['Fastify', mountFastify],
  ['Hono on Node', mountHono],
  ['Hono on Node, route by route (mountIdweb)', mountHonoRoutes],
  ['Hono on Bun', runtimeMount('bun'), missingRuntime('bun')],
  ['Hono on Deno', runtimeMount('deno'), missingRuntime('deno')],
]
// A runtime missing on a developer's machine skips its suite, saying why; in CI it fails (its
// mount throws): a skipped test in CI is a defect.
const skipOf = (missing: string | undefined) =>
  process.env.CI === 'true' ? false : (missing ?? false)

test('the express4 alias really is Express 4, and express is 5', async () => {
  const { readFile } = await import('node:fs/promises')
  const major = async (name: string) =>
    (
      JSON.parse(await readFile(new URL(import.meta.resolve(`${name}/package.json`)), 'utf8')) as {
        version: string
      }
    ).version.split('.')[0]
  assert.equal(await major('express4'), '4')
  assert.equal(await major('express'), '5')
})

for (const [framework, mount, missing] of frameworks)
  webSuite(framework, mount, { skip: skipOf(missing) })
