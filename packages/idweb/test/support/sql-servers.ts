// Private PostgreSQL and MariaDB servers for tests that kill, pause or restart one: fresh data
// folders (initdb, mariadb-install-db) on free ports, run as the packages' own users, in process
// groups of their own so a signal reaches every process of the server. The machine's shared
// servers on 5432 and 3306 are never touched.
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './redis-servers.ts'

const run = promisify(execFile)

/** A private database server. */
export interface SqlServer {
  readonly url: string
  /** SIGKILL to the whole server; its data folder stays for `restart`. */
  kill(): Promise<void>
  /** SIGSTOP / SIGCONT to the whole server: connections stay open, nothing answers. */
  pause(): void
  resume(): void
  restart(): Promise<void>
  stop(): Promise<void>
}

interface Account {
  uid: number
  gid: number
}

async function account(name: string): Promise<Account> {
  const { stdout } = await run('id', ['-u', name])
  const { stdout: group } = await run('id', ['-g', name])
  return { uid: Number(stdout.trim()), gid: Number(group.trim()) }
}

function postgresBin(tool: string): string {
  for (const version of ['17', '16', '15', '14', '13']) {
    const path = `/usr/lib/postgresql/${version}/bin/${tool}`
    if (existsSync(path)) return path
  }
  return tool
}

/** Runs as `who` when this process is root (servers refuse root), else as ourselves. */
function asUser(who: Account | undefined) {
  return who === undefined ? {} : { uid: who.uid, gid: who.gid }
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check().catch(() => false)) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${what} did not start`)
}

function serverProcess(
  start: () => ChildProcess,
  ready: () => Promise<void>,
  url: string,
  dir: string,
): Promise<SqlServer> {
  let child: ChildProcess | undefined
  // A server killed by a signal keeps `exitCode` null (its `signalCode` is set): both mean gone,
  // or a second kill (a test's cleanup after a failure) would wait for an exit that came already.
  const gone = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null
  // PostgreSQL's backends each start a session of their own (setsid), so signalling the server's
  // process group would stop the postmaster alone: its children are signalled one by one too.
  const signal = (sig: NodeJS.Signals) => {
    if (child?.pid === undefined || gone(child)) return
    const children = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' })
    const pids = [-child.pid, ...(children.stdout ?? '').split('\n').filter(Boolean).map(Number)]
    for (const pid of pids) {
      try {
        process.kill(pid, sig)
      } catch {}
    }
  }
  const kill = async () => {
    const c = child
    if (!c || gone(c)) return
    const exited = new Promise((resolve) => c.once('exit', resolve))
    signal('SIGCONT')
    signal('SIGKILL')
    await exited
    await new Promise((resolve) => setTimeout(resolve, 200)) // orphaned backends exit too
  }
  const launch = async () => {
    child = start()
    await ready()
  }
  return launch().then(() => ({
    url,
    kill,
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    restart: launch,
    async stop() {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }))
}

/** A private PostgreSQL with trust authentication, database `postgres`. */
export async function startPostgres(): Promise<SqlServer> {
  const root = userInfo().uid === 0
  const who = root ? await account('postgres') : undefined
  const dir = mkdtempSync(join(tmpdir(), 'idweb-pg-'))
  chmodSync(dir, 0o700)
  if (who) chownSync(dir, who.uid, who.gid)
  const data = join(dir, 'data')
  await new Promise<void>((resolve, reject) => {
    execFile(
      postgresBin('initdb'),
      ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync'],
      asUser(who),
      (err) => (err ? reject(err) : resolve()),
    )
  })
  const port = await freePort()
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  const start = () =>
    spawn(
      postgresBin('postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
      ],
      { ...asUser(who), detached: true, stdio: 'ignore' },
    )
  const ready = () =>
    waitFor(async () => {
      await run(postgresBin('pg_isready'), ['-h', '127.0.0.1', '-p', String(port)])
      return true
    }, 'postgres')
  return serverProcess(start, ready, url, dir)
}

/** A private MariaDB, `root` without a password, database `test`. */
export async function startMariadb(): Promise<SqlServer> {
  const root = userInfo().uid === 0
  const who = root ? await account('mysql') : undefined
  const dir = mkdtempSync(join(tmpdir(), 'idweb-maria-'))
  if (who) chownSync(dir, who.uid, who.gid)
  const data = join(dir, 'data')
  await run('mariadb-install-db', [
    `--datadir=${data}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    ...(who ? ['--user=mysql'] : []),
  ])
  const port = await freePort()
  const socket = join(dir, 'mysqld.sock')
  const url = `mysql://root@127.0.0.1:${port}/mysql`
  const start = () =>
    spawn(
      'mariadbd',
      [
        '--no-defaults',
        `--datadir=${data}`,
        `--port=${port}`,
        `--socket=${socket}`,
        '--bind-address=127.0.0.1',
        '--innodb-flush-log-at-trx-commit=0',
        ...(who ? ['--user=mysql'] : []),
      ],
      { detached: true, stdio: 'ignore' },
    )
  const ready = () =>
    waitFor(async () => {
      await run('mariadb', ['-h', '127.0.0.1', '-P', String(port), '-uroot', '-e', 'select 1'])
      return true
    }, 'mariadb')
  return serverProcess(start, ready, url, dir)
}
