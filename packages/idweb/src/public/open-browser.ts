import { spawn } from 'node:child_process'

/**
 * Opens `url` in the system browser: `open` on macOS, `start` on Windows, `xdg-open` elsewhere
 * (only with a display). Resolves `false` where there is no browser to open (a server, a
 * container, SSH without a display), so the caller prints the URL instead. The URL is passed as
 * one argument, never through a shell.
 */
export function openSystemBrowser(
  url: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<boolean> {
  const command = browserCommand(url, env)
  if (command === undefined) return Promise.resolve(false)
  return new Promise((resolve) => {
    try {
      const [program, ...args] = command
      const child = spawn(program, args, {
        stdio: 'ignore',
        detached: true,
        windowsVerbatimArguments: process.platform === 'win32',
      })
      child.once('error', () => resolve(false))
      child.once('spawn', () => {
        child.unref()
        resolve(true)
      })
    } catch {
      resolve(false)
    }
  })
}

function browserCommand(
  url: string,
  env: Readonly<Record<string, string | undefined>>,
): [string, ...string[]] | undefined {
  if (!/^https?:\/\//.test(url)) return undefined
  if (env.BROWSER === 'none') return undefined
  if (process.platform === 'darwin') return ['open', url]
  if (process.platform === 'win32') {
    // `start` is a cmd built-in; the URL is quoted so `&` stays part of it.
    return ['cmd', '/d', '/s', '/c', `start "" "${url.replace(/"/g, '%22')}"`]
  }
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined
  return [env.BROWSER || 'xdg-open', url]
}
