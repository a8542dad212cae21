import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** Debian's interpreter, which has `python3-msal` (a pyenv `python3` on PATH may not). */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'
const SCRIPT = fileURLToPath(new URL('./python/find.py', import.meta.url))

export interface PythonQuery {
  type: 'AccessToken' | 'RefreshToken' | 'IdToken' | 'Account'
  target?: string[]
  query?: Record<string, string | null>
}

/** What MSAL Python's TokenCache finds in `cache` for each query (its own lookup code). */
export function pythonFinds(
  cache: string,
  queries: PythonQuery[],
): Promise<{ version: string; found: (string | null)[][] }> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, [SCRIPT], { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`MSAL Python failed: ${stderr || err.message}`))
      else resolve(JSON.parse(stdout))
    })
    child.stdin?.end(JSON.stringify({ cache, queries }))
  })
}
