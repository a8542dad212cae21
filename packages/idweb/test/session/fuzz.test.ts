import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import fc from 'fast-check'
import { createSessionManager } from '../../src/session/index.ts'
import { bulkyClaims, Jar, requestWith, SECRET_A, USER } from './helpers.ts'

const RUNS = 10_000
const sessions = createSessionManager({ secrets: [SECRET_A] })

let single = ''
let chunks: string[] = []
let realHeader = ''
let txValue = ''

before(async () => {
  const one = new Jar().apply(await sessions.commit(requestWith(undefined), sessions.create(USER)))
  single = one.cookies.get('idweb.session') ?? ''
  realHeader = single.split('.')[0] ?? ''
  const big = sessions.create({ homeAccountId: USER.homeAccountId, claims: bulkyClaims(6000) })
  const many = new Jar().apply(await sessions.commit(requestWith(undefined), big))
  chunks = [0, 1, 2].map((i) => many.cookies.get(`idweb.session.${i}`) ?? '')
  const tx = new Jar().apply(await sessions.sealTransaction({ state: 's' }, requestWith(undefined)))
  txValue = [...tx.cookies.values()][0] ?? ''
  // The fixtures themselves must open, or the properties below prove nothing.
  assert.ok(await sessions.read(requestWith(`idweb.session=${single}`)))
  assert.ok(await sessions.read(many.request()))
  assert.ok(await sessions.openTransaction(tx.request(), 's'))
})

const b64 = fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/)
const name = fc.constantFrom(
  'idweb.session',
  'idweb.session.0',
  'idweb.session.1',
  'idweb.session.2',
  'idweb.session.01',
  'idweb.tx.0',
  'x',
)
const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  b64,
  fc.tuple(b64, b64, b64, b64).map((parts) => [realHeader, ...parts].join('.')),
  fc.tuple(b64, b64, b64).map(([iv, ct, tag]) => `${realHeader}..${iv}.${ct}.${tag}`),
)
const header = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 2000 }),
  fc
    .array(fc.tuple(name, value), { maxLength: 6 })
    .map((pairs) => pairs.map(([n, v]) => `${n}=${v}`).join('; ')),
)

/** Replace, delete or insert one character of `s`. */
const mutation = fc.tuple(
  fc.nat(),
  fc.constantFrom('replace', 'delete', 'insert'),
  fc.integer({ min: 0x20, max: 0x7e }),
)
/** A request whose Cookie header is `cookie` verbatim, even bytes `Headers` would refuse. */
function rawRequest(cookie: string): Request {
  const headers = { get: (n: string) => (n.toLowerCase() === 'cookie' ? cookie : null) }
  return { url: 'https://app.example/', headers } as unknown as Request
}

/** Cookie parsing trims spaces and tabs around values, so those edits change nothing. */
function differs(changed: string, original: string): boolean {
  return changed.replace(/^[ \t]+|[ \t]+$/g, '') !== original
}

function mutate(s: string, [at, how, code]: [number, string, number]): string {
  const i = at % s.length
  const c = String.fromCharCode(code)
  if (how === 'delete') return s.slice(0, i) + s.slice(i + 1)
  if (how === 'insert') return s.slice(0, i) + c + s.slice(i)
  return s.slice(0, i) + c + s.slice(i + 1)
}

describe('session cookie fuzzing', () => {
  it(`random cookie headers never throw and never yield a session (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(header, async (h) => {
        assert.equal(await sessions.read(rawRequest(h)), undefined)
        assert.equal(await sessions.openTransaction(rawRequest(h), 's'), undefined)
      }),
      { numRuns: RUNS },
    )
  })

  it(`changing any one character of a sealed session cookie never yields a session (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const changed = mutate(single, m)
        fc.pre(differs(changed, single))
        assert.equal(await sessions.read(rawRequest(`idweb.session=${changed}`)), undefined)
      }),
      { numRuns: RUNS },
    )
  })

  it(`changing any one character of any chunk never yields a session (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 }), mutation, async (k, m) => {
        const changed = chunks.map((c, i) => (i === k ? mutate(c, m) : c))
        fc.pre(differs(changed[k] ?? '', chunks[k] ?? ''))
        const cookie = changed.map((c, i) => `idweb.session.${i}=${c}`).join('; ')
        assert.equal(await sessions.read(rawRequest(cookie)), undefined)
      }),
      { numRuns: RUNS },
    )
  })

  it(`changing any one character of a transaction cookie never opens it (${RUNS} runs)`, async () => {
    const name = 'idweb.tx.043a718774c572bd' // sha256('s'), first 16 hex
    assert.ok(await sessions.openTransaction(requestWith(`${name}=${txValue}`), 's'))
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const changed = mutate(txValue, m)
        fc.pre(differs(changed, txValue))
        assert.equal(
          await sessions.openTransaction(rawRequest(`${name}=${changed}`), 's'),
          undefined,
        )
      }),
      { numRuns: RUNS },
    )
  })
})
