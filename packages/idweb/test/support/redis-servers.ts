// Private Redis servers for tests that stop, pause, restart or reconfigure one: started with
// redis-server on free ports in temporary folders, so the shared server on 6379 is never touched.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const exec = promisify(execFile)
/** A helper command never hangs a test file: each one is bounded (`redis-cli` waits forever for
 * a server that accepts and never answers, and `--cluster create` for nodes that never meet). */
const run = (file: string, args: string[], timeout = 20_000) => exec(file, args, { timeout })

/** A port on 127.0.0.1 that was free a moment ago (bound and released; good enough for tests). */
async function bindable(port: number): Promise<number | undefined> {
  const server = createServer()
  const bound = await new Promise<number | undefined>((resolve) => {
    server.once('error', () => resolve(undefined))
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port))
  })
  if (bound !== undefined) await new Promise((resolve) => server.close(resolve))
  return bound
}

/**
 * A free TCP port on 127.0.0.1. With `cluster`, one whose Cluster bus port (10,000 above it) is
 * free too and still a port: Redis refuses to start in cluster mode otherwise.
 */
export async function freePort(options: { cluster?: boolean } = {}): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = await bindable(options.cluster ? 20_000 + Math.floor(Math.random() * 30_000) : 0)
    if (port === undefined) continue
    if (!options.cluster || (await bindable(port + 10_000)) !== undefined) return port
  }
  throw new Error('no free port on 127.0.0.1')
}

export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Sends `redis-cli` a command; resolves its output. */
  cli(...args: string[]): Promise<string>
  /** SIGKILL: the server dies with its connections. */
  kill(): Promise<void>
  /** SIGSTOP / SIGCONT: connections stay open, nothing answers. */
  pause(): void
  resume(): void
  /** Starts it again on the same port (after kill). */
  restart(): Promise<void>
  stop(): Promise<void>
}

/** Starts a private redis-server; `config` lines go into its configuration file. */
export async function startRedis(
  config: string[] = [],
  options: { sentinel?: boolean } = {},
): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'idweb-redis-'))
  const p = await freePort({ cluster: config.includes('cluster-enabled yes') })
  const file = join(dir, 'redis.conf')
  writeFileSync(
    file,
    [`port ${p}`, 'bind 127.0.0.1', 'save ""', 'appendonly no', `dir ${dir}`, ...config].join('\n'),
  )
  let child: ChildProcess | undefined
  const password = config.find((l) => l.startsWith('requirepass '))?.slice(12)
  const auth = password ? ['-a', password, '--no-auth-warning'] : []
  const cli = async (...args: string[]) =>
    (await run('redis-cli', ['-p', String(p), ...auth, ...args])).stdout.trim()
  const start = async () => {
    const args = options.sentinel ? [file, '--sentinel'] : [file]
    const started = spawn('redis-server', args, { stdio: 'ignore' })
    child = started
    for (let i = 0; i < 100 && started.exitCode === null; i++) {
      // The server's own pid, so a server of another test that took the port is not mistaken
      // for this one.
      const pid = await run('redis-cli', ['-p', String(p), ...auth, 'info', 'server'], 2000).then(
        (r) => /process_id:(\d+)/.exec(r.stdout)?.[1],
        () => undefined,
      )
      if (pid === String(started.pid)) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    started.kill('SIGKILL')
    throw new Error(`redis-server did not start on port ${p} (exit code ${started.exitCode})`)
  }
  const kill = async () => {
    const c = child
    // Killed by a signal, `exitCode` stays null: without `signalCode` a second kill (a test's
    // cleanup after a failure) would wait for an exit that came already.
    if (!c || c.exitCode !== null || c.signalCode !== null) return
    const exited = new Promise((resolve) => c.once('exit', resolve))
    c.kill('SIGKILL')
    await exited
  }
  await start()
  return {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    cli,
    kill,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    restart: start,
    async stop() {
      child?.kill('SIGCONT')
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Three private masters joined into a Redis Cluster. */
export async function startRedisCluster(): Promise<{ url: string; stop(): Promise<void> }> {
  const nodes: RedisServer[] = []
  const stop = async () => {
    for (const n of nodes) await n.stop()
  }
  try {
    for (let i = 0; i < 3; i++) {
      nodes.push(
        await startRedis([
          'cluster-enabled yes',
          'cluster-config-file nodes.conf',
          'cluster-node-timeout 2000',
        ]),
      )
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`)
    const create = ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']
    await run('redis-cli', create, 60_000)
    // Every node, not only the first: a client's ready check may ask any of them.
    for (let i = 0; ; i++) {
      const infos = await Promise.all(nodes.map((n) => n.cli('cluster', 'info').catch(() => '')))
      if (infos.every((info) => info.includes('cluster_state:ok'))) break
      if (i === 100) throw new Error('the private Redis Cluster did not reach cluster_state:ok')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } catch (err) {
    await stop()
    throw err
  }
  return { url: `redis+cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`, stop }
}

/** A private master watched by one private Sentinel, as `redis+sentinel://…/idweb-master`. */
export async function startRedisSentinel(): Promise<{ url: string; stop(): Promise<void> }> {
  const master = await startRedis()
  const sentinel = await startRedis(
    [
      `sentinel monitor idweb-master 127.0.0.1 ${master.port} 1`,
      'sentinel down-after-milliseconds idweb-master 2000',
    ],
    { sentinel: true },
  ).catch(async (err: unknown) => {
    await master.stop()
    throw err
  })
  return {
    url: `redis+sentinel://127.0.0.1:${sentinel.port}/idweb-master`,
    async stop() {
      await sentinel.stop()
      await master.stop()
    },
  }
}
