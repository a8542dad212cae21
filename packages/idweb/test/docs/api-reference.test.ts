import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'

const root = new URL('../../../../', import.meta.url).pathname

describe('the API reference', () => {
  it('builds from the TSDoc without a warning (every export and member documented)', () => {
    const out = mkdtempSync(join(tmpdir(), 'idweb-api-reference-'))
    try {
      // typedoc's exports map does not include its bin, so it is found where npm installs it.
      const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc')
      const result = spawnSync(process.execPath, [typedoc, '--out', out], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      })
      const output = `${result.stdout}${result.stderr}`
      assert.equal(result.status, 0, `typedoc failed:\n${output}`)
      assert.doesNotMatch(output, /warning/i, output)
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })
})
