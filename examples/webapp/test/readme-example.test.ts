// The root README's "In 20 lines" example is the first app people copy: its home page must let
// them sign in and out without knowing idweb's paths. (packages/idweb's docs test typechecks it.)
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')

function twentyLines(): string {
  const section = readme.split(/^## /m).find((s) => s.startsWith('In 20 lines'))
  assert.ok(section, 'the README has an "In 20 lines" section')
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
  assert.ok(code, 'with a ts block')
  return code
}

describe('the README example', () => {
  it('has a visible sign-in link when anonymous and a sign-out form when signed in', () => {
    const code = twentyLines()
    assert.match(code, /<a href="\/signin">Sign in<\/a>/)
    assert.match(
      code,
      /<form method="post" action="\/signout">.*<button>Sign out<\/button><\/form>/,
    )
    assert.match(code, /req\.identity\.user/, 'chooses by whether someone is signed in')
  })

  it('does not put the name claim into HTML unescaped', () => {
    const code = twentyLines()
    assert.doesNotMatch(code, /\$\{req\.identity\.claims\.name/)
  })

  it('stays about 20 lines', () => {
    const lines = twentyLines().trimEnd().split('\n').length
    assert.ok(lines <= 23, `${lines} lines`)
  })
})
