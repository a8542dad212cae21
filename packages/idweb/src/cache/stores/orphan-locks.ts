/**
 * A lock request that failed in a way the server may still carry out (a client-side timeout
 * while the server was paused, a connection dropped with the request in it) may be granted to
 * nobody. `release` (a delete of the lock if it still holds this request's token, so it never
 * frees another holder's) is sent now, queued behind the request, and again after growing
 * pauses while the lock could still be held, so a server that comes back grants nothing that
 * stays held.
 */
export function releaseOrphanedLock(release: () => Promise<unknown>, ttlMs: number): void {
  void release().catch(() => {})
  for (let delay = 1000; delay < ttlMs; delay *= 2) {
    setTimeout(() => void release().catch(() => {}), delay).unref?.()
  }
}
