// Private Redis servers for tests that stop, pause, restart or reconfigure one: started with
// redis-server on free ports in temporary folders, so the shared server on 6379 is never touched.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A free TCP port on 127.0.0.1 (bound and released; good enough for tests). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
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
  const p = await freePort()
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
    child = spawn('redis-server', args, { stdio: 'ignore' })
    for (let i = 0; i < 100; i++) {
      const pong = await run('redis-cli', ['-p', String(p), ...auth, 'ping']).then(
        (r) => r.stdout.trim(),
        () => '',
      )
      if (pong === 'PONG' || pong.includes('NOAUTH')) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`redis-server did not start on port ${p}`)
  }
  const kill = async () => {
    const c = child
    if (!c || c.exitCode !== null) return
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
  for (let i = 0; i < 3; i++) {
    nodes.push(
      await startRedis([
        'cluster-enabled yes',
        'cluster-config-file nodes.conf',
        'cluster-node-timeout 2000',
      ]),
    )
  }
  await run('redis-cli', [
    '--cluster',
    'create',
    ...nodes.map((n) => `127.0.0.1:${n.port}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ])
  for (let i = 0; i < 100; i++) {
    const info = await nodes[0]?.cli('cluster', 'info')
    if (info?.includes('cluster_state:ok')) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url: `redis+cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
    async stop() {
      for (const n of nodes) await n.stop()
    },
  }
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
  )
  return {
    url: `redis+sentinel://127.0.0.1:${sentinel.port}/idweb-master`,
    async stop() {
      await sentinel.stop()
      await master.stop()
    },
  }
}
