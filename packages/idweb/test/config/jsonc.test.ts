import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { parseJsonc, stripJsonComments } from '../../src/config/jsonc.ts'

describe('parseJsonc', () => {
  test('strips line and block comments and trailing commas', () => {
    const text = `{
      // line comment
      "a": 1, /* block
      comment */ "b": [1, 2, ],
      "c": { "d": "x", },
    }`
    assert.deepEqual(parseJsonc(text), { a: 1, b: [1, 2], c: { d: 'x' } })
  })

  test('leaves comment markers and commas inside strings alone', () => {
    const text =
      '{ "url": "https://login.microsoftonline.com/", "s": "a /* b */ c, ]", "q": "he said \\"//\\"" }'
    assert.deepEqual(parseJsonc(text), {
      url: 'https://login.microsoftonline.com/',
      s: 'a /* b */ c, ]',
      q: 'he said "//"',
    })
  })

  test('keeps line numbers so errors point at the right line', () => {
    assert.equal(stripJsonComments('{\n// x\n"a": 1\n}').split('\n').length, 4)
    // The seed article's sample lacks a comma after "TenantId": "common".
    const seed =
      '{\n  "AzureAd": {\n    "TenantId": "common"\n\n   // To call an API\n   "ClientSecret": "x"\n }\n}'
    assert.throws(() => parseJsonc(seed), /line 6/)
  })

  test('unterminated comments and strings are errors', () => {
    assert.throws(() => parseJsonc('{ /* open '), /Unterminated \/\* comment/)
    assert.throws(() => parseJsonc('{ "a": "open }'), /Unterminated string/)
  })

  test('a byte-order mark is accepted', () => {
    assert.deepEqual(parseJsonc('\ufeff{"a":1}'), { a: 1 })
  })
})
