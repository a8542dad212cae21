import { randomBytes } from 'node:crypto'
import { createSessionManager, MemoryStore, SessionRevocations } from 'idweb'

/** The revocation check switched off: the baseline the check's cost is measured against. */
class NoRevocations extends SessionRevocations {
  override async isRevoked(): Promise<boolean> {
    return false
  }
}

/** One way of checking revocations on the authenticated path. */
export interface SessionScenario {
  readonly name: string
  /** Reads the signed-in session of one request, as every authenticated request does. */
  run(): Promise<string>
  /** The revocation check alone, for the session `run` reads. */
  check(): Promise<boolean>
}

export type RevocationMode = 'off' | 'memory' | 'shared store'

/**
 * The session read of an authenticated request (`authenticate` opens the sealed cookie, checks its
 * lifetimes, then the revocation record), with `revoked` other sessions already signed out.
 */
export async function sessionRead(mode: RevocationMode, revoked: number): Promise<SessionScenario> {
  const store = mode === 'shared store' ? new MemoryStore() : undefined
  const revocations =
    mode === 'off'
      ? new NoRevocations()
      : new SessionRevocations({ store, maxEntries: Math.max(100_000, revoked + 1) })
  const sessions = createSessionManager({
    secrets: [randomBytes(32).toString('base64url')],
    revocations,
  })
  const until = Math.floor(Date.now() / 1000) + 86_400
  for (let i = 0; i < revoked; i++) await revocations.revoke(`revoked-session-${i}`, until)
  const url = 'https://app.example/'
  const session = sessions.create({
    homeAccountId: 'oid.tid',
    claims: { iss: 'https://issuer.example', sub: 'sub', name: 'Alice Smith' },
  })
  const cookie = (await sessions.commit(new Request(url), session))
    .map((c) => c.split(';', 1)[0])
    .join('; ')
  const request = new Request(url, { headers: { cookie } })
  return {
    name: mode === 'off' ? 'no revocation check' : `revocation check (${mode})`,
    async run() {
      const read = await sessions.read(request)
      if (read === undefined) throw new Error('bench: the session did not open')
      return read.sid
    },
    check: () => revocations.isRevoked(session.sid),
  }
}
