/**
 * A synchronous way to open idweb's own sealed values where the runtime has `node:crypto`
 * (Node, Bun, Deno): one AES-256-GCM decryption, instead of jose's general JWE path over the
 * asynchronous WebCrypto, which costs about ten times as much on every authenticated request.
 *
 * It is not a JWE implementation. It opens exactly the compact serializations idweb's `seal`
 * writes, whose protected header is byte for byte `{"alg":"dir","enc":"A256GCM","kid":"<kid>"}`
 * for a key of the ring; every other input is left to jose (see `open` in `seal.ts`), and jose
 * still writes every value. The AES-GCM itself is node:crypto's. Where `node:crypto` is not
 * available (edge runtimes), nothing here is used and WebCrypto does all the work.
 */

/** A Node built-in module, when the runtime offers them without a static import. */
function builtin<T>(id: string): T | undefined {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
      .process
    return proc?.getBuiltinModule?.(id) as T | undefined
  } catch {
    return undefined
  }
}

const nodeCrypto = builtin<typeof import('node:crypto')>('node:crypto')
const NodeBuffer = builtin<typeof import('node:buffer')>('node:buffer')?.Buffer

/** Opens values sealed with one derived key, synchronously. */
export interface FastOpener {
  /** The protected header segment idweb writes for this key. */
  readonly header: string
  /**
   * The plaintext of `iv.ciphertext.tag` (base64url segments, already checked canonical) under
   * the header segment as additional data, or `undefined` when it does not authenticate.
   */
  open(iv: string, ciphertext: string, tag: string): Uint8Array | undefined
}

/**
 * The fast opener of a raw 256-bit key and its `kid`, or `undefined` without `node:crypto`.
 * The key bytes are copied into a `KeyObject`; the caller may wipe `raw` afterwards.
 */
export function fastOpener(raw: Uint8Array, kid: string): FastOpener | undefined {
  if (nodeCrypto === undefined || NodeBuffer === undefined || raw.byteLength !== 32) {
    return undefined
  }
  const crypto = nodeCrypto
  const Buffer = NodeBuffer
  const key = crypto.createSecretKey(raw)
  const header = Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid })).toString(
    'base64url',
  )
  const aad = Buffer.from(header, 'ascii')
  return {
    header,
    open(iv, ciphertext, tag) {
      // 96-bit IV and 128-bit tag, as A256GCM requires (16 and 22 base64url characters).
      if (iv.length !== 16 || tag.length !== 22) return undefined
      try {
        const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
          authTagLength: 16,
        })
        decipher.setAAD(aad)
        decipher.setAuthTag(Buffer.from(tag, 'base64url'))
        const head = decipher.update(Buffer.from(ciphertext, 'base64url'))
        const rest = decipher.final()
        return rest.byteLength === 0 ? head : Buffer.concat([head, rest])
      } catch {
        return undefined
      }
    },
  }
}
