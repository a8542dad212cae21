// The public client's cache file: MSAL's schema on disk, written atomically under the shared lock,
// read again only when it changed, and shared with MSAL Python's own persistence extensions.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { exportMsalCache } from '../../src/cache/msal-import.ts'
import { TokenCache } from '../../src/cache/token-cache.ts'
import { isIdwebError } from '../../src/errors.ts'
import { CacheFile } from '../../src/public/cache-file.ts'
import { home, userResponse } from '../cache/fixtures.ts'
import { type Logged, recordingLogger } from '../credentials/test-certificates.ts'
import { msalExtensionsReady, PYTHON } from './msal-extensions.ts'

const PY_CACHE = new URL('./fixtures/py_cache.py', import.meta.url).pathname
const WRITER = new URL('./fixtures/cache-writer.ts', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'idweb-cachefile-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const fresh = () => join(dir, `case-${++n}`, 'cache.json')

/** An MSAL-schema cache of one user, as idweb exports it. */
async function oneUser(user: string): Promise<string> {
  const cache = new TokenCache()
  ;(await cache.partition(home(user))).saveTokenResponse(userResponse(user))
  return exportMsalCache(cache, home(user))
}

/** These cases are about the file itself: never the keyring, whatever this machine has. */
const PLAIN = { encryption: 'none' } as const

describe('the cache file', () => {
  it('plaintext warned once; IDWEB_CACHE_REQUIRE_ENCRYPTION refuses, naming itself', async () => {
    const logs: Logged[] = []
    const file = new CacheFile(fresh(), { ...PLAIN, logger: recordingLogger(logs) })
    await file.update(() => '{"a":1}')
    await file.update(() => '{"a":2}')
    // The first write of this process (this test runs first): one warning, never two.
    assert.equal(logs.filter((l) => /not encrypted/.test(l.message)).length, 1)
    // No keyring answers without a session bus: plaintext is refused, before anything is read.
    const strict = new CacheFile(fresh(), {
      requireEncryption: true,
      env: { PATH: process.env.PATH },
    })
    await assert.rejects(
      strict.read(),
      (err: unknown) =>
        isIdwebError(err, 'IDW_CONFIG_INVALID') &&
        /IDWEB_CACHE_REQUIRE_ENCRYPTION/.test(String(err)),
    )
  })

  it('absent is empty; written 0600 in a 0700 folder; read back by another instance', async () => {
    const path = fresh()
    const file = new CacheFile(path, PLAIN)
    assert.equal(await file.read(), '{}')
    const json = await oneUser('u')
    assert.equal(await file.update(() => json), json)
    assert.equal(statSync(path).mode & 0o777, 0o600)
    assert.equal(statSync(join(path, '..')).mode & 0o777, 0o700)
    assert.equal(await new CacheFile(path, PLAIN).read(), json)
    assert.equal(await file.changed(), false, 'its own write is no change')
  })

  it('reads again only when the file changed, as another process changes it', async () => {
    const path = fresh()
    const mine = new CacheFile(path, PLAIN)
    const theirs = new CacheFile(path, PLAIN)
    await mine.update(() => '{"AppMetadata":{}}')
    await theirs.update((current) => current.replace('{}', '{"x":{"client_id":"x"}}'))
    assert.equal(await mine.changed(), true)
    assert.match(await mine.read(), /"client_id":"x"/)
    assert.equal(await mine.changed(), false)
    // Decided by the file's version alone: the same size and mtime, rewritten in place, is
    // taken as unchanged; a new mtime is read.
    const at = Math.floor(Date.now() / 1000) - 60
    utimesSync(path, at, at)
    const same = (await mine.read()).replace('"client_id":"x"', '"client_id":"y"')
    writeFileSync(path, same)
    utimesSync(path, at, at)
    assert.match(await mine.read(), /"client_id":"x"/, 'no reread without a change of version')
    utimesSync(path, at + 5, at + 5)
    assert.match(await mine.read(), /"client_id":"y"/)
  })

  it('an empty file is an empty cache, and the same text writes nothing', async () => {
    const path = fresh()
    const file = new CacheFile(path, PLAIN)
    await file.update(() => '{"a":1}')
    writeFileSync(path, '')
    assert.equal(await file.read(), '{}')
    const before = statSync(path).mtimeMs
    await file.update((current) => current)
    assert.equal(statSync(path).mtimeMs, before)
  })

  it('a writer killed mid-write leaves a file that parses, and its temporary file is cleared', async () => {
    const path = fresh()
    for (let round = 0; round < 4; round++) {
      const writer = spawn(process.execPath, [...process.execArgv, WRITER, path], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      await new Promise((resolve) => writer.stdout?.once('data', resolve))
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 250))
      writer.kill('SIGKILL')
      await new Promise((resolve) => writer.once('exit', resolve))
      const text = readFileSync(path, 'utf8')
      assert.doesNotThrow(() => JSON.parse(text), `round ${round}: ${text.length} chars`)
    }
    // The next writer clears what the killed ones left (and the killed holder's lock).
    await new CacheFile(path, { ...PLAIN, timeoutMs: 5000 }).update(() => '{"done":true}')
    assert.deepEqual(
      readdirSync(join(path, '..')).filter((f) => f.endsWith('.tmp')),
      [],
    )
  })
})

describe('the cache file shared with MSAL Python (msal_extensions FilePersistence)', () => {
  const ready = msalExtensionsReady
  const python = (...args: string[]) => {
    const run = spawnSync(PYTHON, [PY_CACHE, ...args], { encoding: 'utf8' })
    assert.equal(run.status, 0, run.stderr)
    return run.stdout.trim()
  }

  it('MSAL Python finds the accounts and tokens idweb wrote', async (t) => {
    if (!ready(t)) return
    const path = fresh()
    const file = new CacheFile(path, PLAIN)
    await file.update(async () => oneUser('alice'))
    const seen = JSON.parse(python('read', path)) as { usernames: string[]; refresh_tokens: number }
    assert.equal(seen.refresh_tokens, 1)
    assert.equal(seen.usernames.length, 1)
  })

  it('what MSAL Python saves (its own lock, indented JSON) idweb sees as a change, and keeps', async (t) => {
    if (!ready(t)) return
    const path = fresh()
    const file = new CacheFile(path, PLAIN)
    await file.update(async () => oneUser('bob'))
    assert.equal(python('mark', path), 'saved')
    assert.equal(await file.changed(), true)
    const text = await file.read()
    assert.match(text, /appmetadata-python-was-here/)
    assert.match(text, /"RefreshToken"/)
    // And a change of idweb's on top keeps Python's.
    await file.update((current) =>
      current.replace('"AppMetadata": {', '"AppMetadata": {"idweb": {"client_id": "idweb"},'),
    )
    const both = readFileSync(path, 'utf8')
    assert.match(both, /"idweb": \{"client_id": "idweb"\}/)
    assert.match(both, /appmetadata-python-was-here/)
  })
})
