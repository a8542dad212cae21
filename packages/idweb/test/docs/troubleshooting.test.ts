import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { errorRegistry } from '../../src/errors.ts'

const root = new URL('../../../../', import.meta.url).pathname

describe('docs/troubleshooting.md', () => {
  const table = [
    ...readFileSync(`${root}docs/troubleshooting.md`, 'utf8').matchAll(
      /^\| `(\w+)` *\| (\d+) *\| (yes|no) *\|/gm,
    ),
  ]

  it('lists exactly the codes of the error registry, once each, in its order', () => {
    assert.deepEqual(
      table.map((row) => row[1]),
      Object.keys(errorRegistry),
    )
  })

  it("gives each code the registry's status and whether its message is shown", () => {
    for (const [, code, status, shown] of table) {
      const entry = errorRegistry[code as keyof typeof errorRegistry]
      assert.equal(Number(status), entry.status, code)
      assert.equal(shown === 'yes', entry.expose, code)
    }
  })
})
