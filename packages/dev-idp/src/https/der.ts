/** Minimal DER (ASN.1) encoding: just what X.509 certificates need. */

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

/** A TLV with the given tag byte. */
export function tlv(tag: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(value.length), value])
}

export const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items))
export const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items))
export const octetString = (value: Buffer) => tlv(0x04, value)
export const utf8String = (value: string) => tlv(0x0c, Buffer.from(value, 'utf8'))
export const nullValue = () => Buffer.from([0x05, 0x00])
export const boolean = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0x00]))
/** `[n] EXPLICIT` (constructed context-specific). */
export const explicit = (n: number, value: Buffer) => tlv(0xa0 + n, value)
/** `[n] IMPLICIT` primitive context-specific. */
export const implicit = (n: number, value: Buffer) => tlv(0x80 + n, value)

/** A non-negative INTEGER from big-endian bytes. */
export function integer(bytes: Buffer | number): Buffer {
  let value = typeof bytes === 'number' ? Buffer.from([bytes]) : bytes
  let start = 0
  while (start < value.length - 1 && value[start] === 0) start++
  value = value.subarray(start)
  if ((value[0] ?? 0) & 0x80) value = Buffer.concat([Buffer.from([0]), value])
  return tlv(0x02, value)
}

/** A BIT STRING with `unused` trailing bits. */
export function bitString(value: Buffer, unused = 0): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unused]), value]))
}

/** An OBJECT IDENTIFIER from dotted form. */
export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number)
  const bytes: number[] = [(parts[0] ?? 0) * 40 + (parts[1] ?? 0)]
  for (const part of parts.slice(2)) {
    const chunk: number[] = [part & 0x7f]
    for (let v = part >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80)
    bytes.push(...chunk)
  }
  return tlv(0x06, Buffer.from(bytes))
}

/** UTCTime before 2050, GeneralizedTime after (RFC 5280 4.1.2.5). */
export function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14)
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`))
    : tlv(0x18, Buffer.from(`${iso}Z`))
}
