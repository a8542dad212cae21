// The token cache in the keyring (libsecret's Secret Service): a private D-Bus session with GNOME
// Keyring unlocked, as a desktop has, runs fixtures/keyring-child.ts. The tokens go to the
// keyring item, the file holds none, and MSAL Python's libsecret persistence reads and writes
// the same item. Without the packages the test is skipped, and fails on CI.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { PYTHON } from './msal-extensions.ts'

const TSX = import.meta.resolve('tsx')
const CHILD = new URL('./fixtures/keyring-child.ts', import.meta.url).pathname

function missing(): string | undefined {
  for (const tool of ['dbus-run-session', 'gnome-keyring-daemon', 'secret-tool']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return tool
  }
  const gi = spawnSync(PYTHON, ['-c', 'import gi; gi.require_version("Secret", "1")'])
  return gi.status === 0 ? undefined : 'python3-gi and gir1.2-secret-1'
}

describe('the cache in the keyring', () => {
  it('tokens in the Secret Service item, none in the file; MSAL Python’s libsecret persistence shares it', async (t) => {
    const lacking = missing()
    if (lacking) {
      const why = `${lacking} not installed (apt-get install dbus gnome-keyring libsecret-tools python3-gi gir1.2-secret-1)`
      if (process.env.CI === 'true') throw new Error(why)
      t.skip(why)
      return
    }
    const home = mkdtempSync(join(tmpdir(), 'idweb-keyring-'))
    try {
      const script = [
        'eval "$(printf pw | gnome-keyring-daemon --daemonize --unlock --components=secrets 2>/dev/null)"',
        'exec "$NODE" --conditions=source --import "$TSX" "$CHILD" "$CACHE" "$PYTHON"',
      ].join('; ')
      const child = spawn('dbus-run-session', ['--', 'sh', '-c', script], {
        env: {
          PATH: process.env.PATH,
          HOME: home,
          XDG_DATA_HOME: join(home, 'data'),
          NODE: process.execPath,
          TSX,
          CHILD,
          CACHE: join(home, 'cache', 'cache.json'),
          PYTHON,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      let err = ''
      child.stdout.on('data', (d: Buffer) => {
        out += d
      })
      child.stderr.on('data', (d: Buffer) => {
        err += d
      })
      const code = await new Promise((resolve) => child.once('close', resolve))
      assert.equal(code, 0, err)
      const seen = JSON.parse(out.trim().split('\n').at(-1) as string)
      assert.equal(seen.encrypted, true)
      assert.equal(seen.inFile, '{}', 'the file holds no token')
      assert.equal(seen.mode, 0o600)
      assert.match(seen.lookup, /at-secret-in-the-keyring/)
      assert.match(seen.pythonRead, /at-secret-in-the-keyring/, 'MSAL Python reads the item')
      assert.equal(seen.afterPython, '{"written": "by msal_extensions"}', 'and idweb what it saved')
      assert.equal(seen.plain, '{}', 'read as a plain file, nothing')
      // The regression: with a keyring, a plaintext cache was ignored, then emptied.
      assert.deepEqual(seen.legacyAuto, {
        encrypted: false,
        read: '{"RefreshToken": {"k": {"secret": "legacy-rt"}}}',
      })
      assert.match(seen.strictRead, /legacy-rt/, 'required: the plaintext cache is read once')
      assert.equal(seen.legacyAfter, '{}', 'then it lives in the keyring only')
      assert.match(seen.legacyKeyring, /moved-rt/)
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })
})
