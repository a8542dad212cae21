import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { safeReturnTo } from '../../src/web/return-to.ts'

describe('safeReturnTo', () => {
  it('keeps same-origin paths with their query and fragment', () => {
    assert.equal(safeReturnTo('/todos'), '/todos')
    assert.equal(safeReturnTo('/todos?page=2#top'), '/todos?page=2#top')
    assert.equal(safeReturnTo('/a/../b'), '/b')
  })

  for (const attack of [
    '//evil.example',
    'https://evil.example',
    'http:evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '/%2F%2Fevil.example',
    '/%5Cevil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    'javascript:alert(1)',
    '%2F%2Fevil.example',
    'evil.example',
    '',
    `/${'a'.repeat(3000)}`,
    '/%E0%A4%A',
  ]) {
    it(`refuses ${JSON.stringify(attack.slice(0, 40))}`, () => {
      assert.equal(safeReturnTo(attack), '/')
      assert.equal(safeReturnTo(attack, '/home'), '/home')
    })
  }

  it('never yields anything but a single-slash path on this origin (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (s) => {
        for (const candidate of [s, `/${s}`, `//${s}`, `/\\${s}`]) {
          const out = safeReturnTo(candidate)
          assert.ok(out.startsWith('/') && !out.startsWith('//') && !out.includes('\\'), out)
          assert.equal(new URL(out, 'https://app.example').origin, 'https://app.example')
        }
      }),
      { numRuns: 10_000 },
    )
  })
})
