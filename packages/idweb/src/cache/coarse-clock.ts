/**
 * Epoch ms to within a quarter second, read without a system call: a timer (unref'd, started on
 * first use) refreshes it. For decisions on a hot path that need no precision, such as whether a
 * store entry is due for renewal (a tenth of a lifetime of at least a second).
 */
let now = Date.now()
let timer: NodeJS.Timeout | undefined

export function coarseNow(): number {
  if (timer === undefined) {
    now = Date.now()
    timer = setInterval(() => {
      now = Date.now()
    }, 250)
    timer.unref?.()
  }
  return now
}
