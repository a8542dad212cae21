/**
 * Reads a whole body stream into memory, but never more than `maxBytes` of it: past the limit the
 * stream is cancelled and `undefined` returned, so an oversized or endless body costs at most
 * `maxBytes` of memory. When `signal` aborts first, the stream is cancelled and the read rejects
 * with the signal's reason, so a body trickling in slowly costs at most that long.
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
  signal?: AbortSignal,
): Promise<Uint8Array | undefined> {
  if (body === null) return new Uint8Array(0)
  const reader = body.getReader()
  const stop = () => void reader.cancel(signal?.reason).catch(() => {})
  signal?.addEventListener('abort', stop, { once: true })
  try {
    return await readAll(reader, maxBytes, signal)
  } finally {
    signal?.removeEventListener('abort', stop)
  }
}

async function readAll(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  maxBytes: number,
  signal: AbortSignal | undefined,
): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    signal?.throwIfAborted()
    const { done, value } = await reader.read()
    signal?.throwIfAborted()
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
