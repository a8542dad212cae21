import { IdwebError, ProviderUnavailableError } from '../errors.ts'
import { type Logger, silentLogger } from '../logger.ts'
import { readAtMost } from './read-limited.ts'

/** The `fetch` shape every provider call goes through (oauth4webapi's `customFetch` fits). */
export type ProviderFetch = (url: string, init: RequestInit) => Promise<Response>

/** Options of {@link createProviderFetch}. */
export interface ProviderFetchOptions {
  /** The whole call (connection, headers and body) must finish within this many ms. */
  timeoutMs: number
  /** Bodies larger than this are refused without being buffered. */
  maxResponseBytes: number
  /** The underlying `fetch` (proxies; tests). Default the global one. */
  fetch?: typeof fetch | undefined
  logger?: Logger
}

/** Longest `Retry-After` passed on to the browser, in seconds. */
const MAX_RETRY_AFTER = 3600

/**
 * A `fetch` for calls to the identity provider (discovery, keys, token endpoint), made once per
 * app and handed to oauth4webapi as its `customFetch`, so every provider call, its own included,
 * has the same bounds:
 *
 * - the whole call, body included, ends within `timeoutMs`;
 * - a body over `maxResponseBytes` is refused after reading at most that much;
 * - an answer that is not JSON (an HTML error page, a body cut short) is refused;
 * - 429 and 5xx answers, timeouts and unreachable hosts are `IDW_PROVIDER_UNAVAILABLE` (503,
 *   with the provider's `Retry-After`); unusable answers are `IDW_PROTOCOL_ERROR` (502).
 *
 * Every refusal is logged once as a warning naming the URL (without its query) and what went
 * wrong; bodies, which may hold tokens, are never logged. What passes is a new `Response` over the
 * bytes read, for oauth4webapi to parse and validate.
 *
 * @example
 * ```ts
 * const providerFetch = createProviderFetch({ timeoutMs: 10_000, maxResponseBytes: 256 * 1024 })
 * const response = await providerFetch('https://login.example/.well-known/openid-configuration', {})
 * ```
 */
export function createProviderFetch(options: ProviderFetchOptions): ProviderFetch {
  const underlying = options.fetch ?? globalThis.fetch
  const logger = options.logger ?? silentLogger
  return async (url, init) => {
    const where = withoutQuery(url)
    try {
      return await call(underlying, url, init, where, options)
    } catch (err) {
      // The caller's own signal is a deadline too (discovery keeps one): either way, too slow.
      const failure = classify(init.signal?.aborted ? timedOut(err) : err, where, options)
      logger.warn('identity provider call failed', {
        url: where,
        code: failure.code,
        reason: failure.message,
      })
      throw failure
    }
  }
}

async function call(
  underlying: typeof fetch,
  url: string,
  init: RequestInit,
  where: string,
  options: ProviderFetchOptions,
): Promise<Response> {
  const timeout = AbortSignal.timeout(options.timeoutMs)
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout
  const response = await underlying(url, { ...init, signal })
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > options.maxResponseBytes) {
    await response.body?.cancel().catch(() => {})
    throw tooLarge(where, options.maxResponseBytes)
  }
  const bytes = await readAtMost(response.body, options.maxResponseBytes)
  if (bytes === undefined) throw tooLarge(where, options.maxResponseBytes)
  const type = response.headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase() ?? ''
  if (response.status === 429 || response.status >= 500) {
    throw new ProviderUnavailableError(
      where,
      `The identity provider at ${where} answered HTTP ${response.status}${oauthError(bytes, type)}: try again later.`,
      { providerStatus: response.status, ...retryAfter(response.headers.get('retry-after')) },
    )
  }
  // A status that cannot carry a body (204, 205, 304) is no answer at all, whatever its type.
  const bodyless = response.status === 204 || response.status === 205 || response.status === 304
  if (bodyless || (type !== 'application/jwt' && !isJson(bytes))) {
    throw new IdwebError(
      'IDW_PROTOCOL_ERROR',
      `The identity provider at ${where} answered HTTP ${response.status} with ${type || 'no content type'} that is not JSON (${bytes.byteLength} bytes): check the authority URL, or the provider is failing.`,
    )
  }
  return new Response(bytes as Uint8Array<ArrayBuffer>, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  })
}

/** The typed error for whatever a provider call threw. */
function classify(err: unknown, where: string, options: ProviderFetchOptions): IdwebError {
  if (err instanceof IdwebError) return err
  if (isTimeout(err)) {
    return new ProviderUnavailableError(
      where,
      `The identity provider at ${where} did not answer within ${options.timeoutMs} ms (provider.timeoutMs).`,
      { cause: err },
    )
  }
  const code = causeCode(err)
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || /\bterminated\b/.test(messageOf(err))) {
    return new IdwebError(
      'IDW_PROTOCOL_ERROR',
      `The identity provider at ${where} closed the connection before its answer was complete.`,
      { cause: err },
    )
  }
  const why = code ?? (err instanceof Error && err.cause instanceof Error ? err.cause.message : '')
  return new ProviderUnavailableError(
    where,
    `cannot reach ${where}${why ? `: ${why.slice(0, 80)}` : ''}; is the identity provider running, and is the URL right?`,
    { cause: err },
  )
}

function timedOut(cause: unknown): Error {
  const err = new Error('the call was abandoned at its deadline', { cause })
  err.name = 'TimeoutError'
  return err
}

function tooLarge(where: string, max: number): IdwebError {
  return new IdwebError(
    'IDW_PROTOCOL_ERROR',
    `The identity provider at ${where} answered more than ${max} bytes (provider.maxResponseBytes): refused unread.`,
  )
}

function isJson(bytes: Uint8Array): boolean {
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
    return true
  } catch {
    return false
  }
}

/** ` (error_code)` from an OAuth error body, for the message; nothing else of the body. */
function oauthError(bytes: Uint8Array, type: string): string {
  if (!type.includes('json')) return ''
  try {
    const body: unknown = JSON.parse(new TextDecoder().decode(bytes))
    const error = (body as { error?: unknown }).error
    return typeof error === 'string' && /^[\w.-]{1,64}$/.test(error) ? ` (${error})` : ''
  } catch {
    return ''
  }
}

/** `Retry-After` as seconds (delta or HTTP date), bounded; nothing when absent or malformed. */
function retryAfter(value: string | null): { retryAfterSeconds?: number } {
  if (value === null) return {}
  const trimmed = value.trim()
  let seconds = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN
  if (Number.isNaN(seconds)) {
    const at = Date.parse(trimmed)
    if (Number.isNaN(at)) return {}
    seconds = Math.ceil((at - Date.now()) / 1000)
  }
  return { retryAfterSeconds: Math.min(MAX_RETRY_AFTER, Math.max(0, seconds)) }
}

function withoutQuery(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.origin}${parsed.pathname}`
  } catch {
    return '(an invalid URL)'
  }
}

function isTimeout(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  if (err.name === 'TimeoutError') return true
  return err.cause !== undefined && isTimeout(err.cause)
}

/** The first system error code (`ECONNREFUSED`, ...) in `err` and its causes. */
export function causeCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') return code
  }
  return undefined
}

function messageOf(err: unknown): string {
  return err instanceof Error ? `${err.message} ${messageOf(err.cause)}` : ''
}
