import { decodeJwt, decodeProtectedHeader } from 'jose'
import { type Io, json, paint, UsageError } from './output.ts'

/** Claims that are times (epoch seconds): shown in local time as well. */
const TIMES = ['exp', 'nbf', 'iat', 'auth_time', 'xms_ssm']

/**
 * `idweb decode <jwt>`: the header and claims of a JWT, its times in local time. It decodes and
 * never verifies: the output says so. The signature is not printed.
 */
export function decode(
  token: string | undefined,
  flags: { json?: boolean | undefined },
  io: Io,
  now = Date.now(),
): number {
  const text = token?.trim().replace(/^Bearer\s+/i, '')
  if (!text)
    throw new UsageError('Pass the JWT to decode: idweb decode <jwt> (or - to read it from stdin).')
  let header: Record<string, unknown>
  let claims: Record<string, unknown>
  try {
    header = decodeProtectedHeader(text) as Record<string, unknown>
    claims = decodeJwt(text) as Record<string, unknown>
  } catch (err) {
    throw new UsageError(`That is not a JWT (${err instanceof Error ? err.message : String(err)}).`)
  }
  const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : undefined
  if (flags.json) {
    const times = Object.fromEntries(
      TIMES.filter((k) => typeof claims[k] === 'number').map((k) => [
        k,
        new Date((claims[k] as number) * 1000).toISOString(),
      ]),
    )
    io.out(
      json({
        header,
        claims,
        times,
        expired: exp !== undefined ? exp <= now : undefined,
        verified: false,
      }),
    )
    return 0
  }
  io.out(paint(io, 'bold', 'Header'))
  io.out(json(header))
  io.out(paint(io, 'bold', 'Claims'))
  io.out(json(claims))
  for (const k of TIMES) {
    const v = claims[k]
    if (typeof v !== 'number') continue
    io.out(`${k.padEnd(9)} ${localTime(v * 1000)}`)
  }
  if (exp !== undefined) {
    const left = Math.round((exp - now) / 60_000)
    io.out(
      exp <= now
        ? paint(io, 'red', `expired ${-left} min ago`)
        : paint(io, 'green', `valid for ${left} more min`),
    )
  }
  io.out(paint(io, 'dim', 'Decoded only: the signature was not checked.'))
  return 0
}

function localTime(ms: number): string {
  const d = new Date(ms)
  const offset = -d.getTimezoneOffset()
  const sign = offset >= 0 ? '+' : '-'
  const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')
  const mm = String(Math.abs(offset) % 60).padStart(2, '0')
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${hh}:${mm}`
}
