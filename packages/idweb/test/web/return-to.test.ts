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

  // Regression: the raw value was checked, then the URL-normalised one returned, so dot segments
  // collapsed into a protocol-relative `//evil.example` after the check.
  for (const attack of [
    '/.//evil.example',
    '/..//evil.example',
    '/a/..//evil.example',
    '/%2e//evil.example',
    '/%2E%2E//evil.example',
    '/%252e//evil.example',
    '/.///evil.example',
    '/./\\evil.example',
  ]) {
    it(`open redirect after sign-in: ${JSON.stringify(attack)} normalises to another host and is refused`, () => {
      assert.equal(safeReturnTo(attack), '/')
    })
  }

  it('keeps what the normalised path says, once', () => {
    assert.equal(safeReturnTo('/a/./b/../c?x=//y#z'), '/a/c?x=//y#z')
    assert.equal(safeReturnTo('/café'), '/caf%C3%A9')
    assert.equal(safeReturnTo('/caf%C3%A9'), '/caf%C3%A9')
  })

  it('whatever returnTo is, the result stays on the origin and carries no CR/LF (property)', () => {
    const unit = fc.constantFrom(
      ...'/\\.%2ef5c@:?#',
      '\t',
      '\r',
      '\n',
      '\u2215', // division slash
      '\u2044', // fraction slash
      '\uff0f', // fullwidth solidus
      '\u29f8', // big solidus
      '\uff3c', // fullwidth reverse solidus
      'evil.example',
    )
    const origin = 'https://app.example'
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 24 }), fc.boolean(), (s, rooted) => {
        const out = safeReturnTo(rooted ? `/${s}` : s)
        assert.ok(out.startsWith('/') && !out.startsWith('//'), JSON.stringify(out))
        assert.ok(!/[\\\r\n\t]/.test(out), JSON.stringify(out))
        // How a browser follows the redirect from the callback URL.
        const followed = new URL(out, `${origin}/signin-oidc`)
        assert.equal(followed.origin, origin, JSON.stringify(out))
        assert.equal(`${followed.pathname}${followed.search}${followed.hash}`, out)
        // A server that decodes the path once more stays on the origin too.
        const decoded = decodeURIComponent(followed.pathname)
        assert.equal(new URL(decoded, origin).origin, origin, JSON.stringify(out))
      }),
      { numRuns: 10_000 },
    )
  })

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
