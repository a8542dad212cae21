/**
 * Reads a whole body stream into memory, but never more than `maxBytes` of it: past the limit the
 * stream is cancelled and `undefined` returned, so an oversized or endless body costs at most
 * `maxBytes` of memory.
 *
 * @example
 * ```ts
 * const bytes = await readAtMost(response.body, 256 * 1024)
 * if (bytes === undefined) throw new Error('too large')
 * ```
 */
export async function readAtMost(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  if (body === null) return new Uint8Array(0)
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel().catch(() => {})
      return undefined
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0]
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}
