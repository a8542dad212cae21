import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'

const root = new URL('../../../../', import.meta.url).pathname
const CHECKLIST_LINES = 34
const STATUSES = /^(covered|partly: .+|pending: .+)$/

interface Row {
  id: string
  status: string
  proofs: { file: string; names: string[] }[]
}

/** The rows of SECURITY.md's checklist table. */
function rows(markdown: string): Row[] {
  const section = markdown.split('## The checklist, line by line')[1] ?? ''
  return section
    .split('\n')
    .filter((line) => /^\| [A-Z]\d+ +\|/.test(line))
    .map((line) => {
      const cells = line
        .replace(/^\|/, '')
        .replace(/\|$/, '')
        .split(' | ')
        .map((c) => c.trim())
      const [id = '', , status = '', proven = ''] = cells
      const proofs = proven
        .split('<br>')
        .filter((entry) => entry.trim() !== '')
        .map((entry) => {
          const spans = [...entry.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '')
          const [file = '', ...names] = spans
          return { file, names }
        })
      return { id, status, proofs }
    })
}

/** The titles of the `describe`/`it`/`test`/`step` calls in a test file, as written in source. */
function titles(source: string): Set<string> {
  const call =
    /\b(?:it|test|describe|step)\(\s*(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`)/g
  return new Set([...source.matchAll(call)].map((m) => m[1] ?? m[2] ?? m[3] ?? ''))
}

describe('SECURITY.md maps the security checklist to tests', () => {
  const table = rows(readFileSync(join(root, 'SECURITY.md'), 'utf8'))

  it(`has one row per checklist line (${CHECKLIST_LINES}), each with a status`, () => {
    assert.equal(table.length, CHECKLIST_LINES)
    assert.equal(new Set(table.map((r) => r.id)).size, CHECKLIST_LINES, 'ids are unique')
    for (const row of table) assert.match(row.status, STATUSES, row.id)
  })

  it('names at least one test for every line not pending', () => {
    for (const row of table.filter((r) => !r.status.startsWith('pending'))) {
      assert.ok(
        row.proofs.some((p) => p.names.length > 0),
        `${row.id} is ${row.status} but names no test`,
      )
    }
  })

  it('every named test exists in the named file', () => {
    const missing: string[] = []
    for (const row of table) {
      for (const { file, names } of row.proofs) {
        const path = join(root, file)
        if (!file.endsWith('.test.ts') || !existsSync(path)) {
          missing.push(`${row.id}: no test file ${file}`)
          continue
        }
        const known = titles(readFileSync(path, 'utf8'))
        for (const name of names) {
          if (!known.has(name)) missing.push(`${row.id}: ${file} has no test "${name}"`)
        }
      }
    }
    assert.deepEqual(missing, [])
  })

  it('would notice a renamed test', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template title
    const source = "it('refuses a forged token', () => {})\ntest(`state ${name} → 400`, () => {})"
    const known = titles(source)
    assert.ok(known.has('refuses a forged token'))
    // biome-ignore lint/suspicious/noTemplateCurlyInString: titles are compared as written
    assert.ok(known.has('state ${name} → 400'))
    assert.ok(!known.has('refuses a forged token!'))
  })
})
