import type { Partition } from './partition.ts'
import type { Sealer } from './seal.ts'

/**
 * Opens the sealed store entry `blob` of partition `key` into `into`. An entry that cannot be
 * opened (altered, truncated, sealed for another partition or with an unknown key) or parsed is
 * reported to `refused` with the reason and yields `false`; none of its content is used.
 */
export function openEntry(
  sealer: Sealer,
  key: string,
  blob: Uint8Array,
  into: Partition,
  refused: (reason: string) => void,
): boolean {
  try {
    const plain = sealer.open(key, blob)
    into.deserialize(Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength).toString('utf8'))
    return true
  } catch (err) {
    refused(err instanceof Error ? err.message : 'unknown')
    return false
  }
}
