import { IdwebError } from '../errors.ts'
import { authorizationUrl, newTransactionSecrets } from '../protocol/authorize.ts'
import { checkAuthorizationResponse, redeemCode } from '../protocol/code.ts'
import type { ProtocolContext } from '../protocol/context.ts'
import { type DeviceCode, pollDeviceCode, startDeviceAuthorization } from '../protocol/device.ts'
import type { TokenResult } from '../protocol/tokens.ts'
import { listenOnLoopback } from './loopback.ts'
import { openSystemBrowser } from './open-browser.ts'

/** Options of {@link PublicClient.acquireTokenInteractive}. */
export interface InteractiveOptions {
  /** Scopes to consent to; `openid profile offline_access` are always added. */
  scopes: readonly string[]
  /**
   * Opens the sign-in page. Default: the system browser. Resolve `false` when it could not be
   * opened: `onUrl` is then told, so the user can open it by hand.
   */
  openBrowser?: (url: string) => Promise<boolean>
  /** Told the sign-in URL when no browser could be opened (and only then). */
  onUrl?: (url: string) => void
  /** `select_account`, `login`, `consent` or `none`. */
  prompt?: string
  /** Fills in the sign-in name on the provider's page. */
  loginHint?: string
  /** Skips home-realm discovery: the user's organization domain, e.g. `contoso.com`. */
  domainHint?: string
  /** More parameters for the authorization request; they never replace idweb's own. */
  extraQueryParameters?: Record<string, string>
  /** A claims challenge to satisfy (JSON text). */
  claims?: string
  /** A fixed loopback port; default a free one (Entra accepts any port of `http://localhost`). */
  port?: number
  /** Gives up after this long (`IDW_TIMEOUT`). Default 5 minutes. */
  timeoutMs?: number
  /** Gives up when aborted (`IDW_TIMEOUT`). */
  signal?: AbortSignal
}

/** Options of {@link PublicClient.acquireTokenByDeviceCode}. */
export interface DeviceCodeOptions {
  /** Scopes to consent to; `openid profile offline_access` are always added. */
  scopes: readonly string[]
  /** Shows the user where to go and which code to type. Called once, before polling starts. */
  onCode: (code: DeviceCode) => void
  /** Stops waiting for the user (`IDW_TIMEOUT`). */
  signal?: AbortSignal
  /** @internal Replaces the wait between polls (tests). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

/**
 * The authorization code flow with PKCE on a loopback redirect (RFC 8252): the code goes only to
 * this process, and the ID token is checked in full (signature, issuer, audience, nonce).
 */
export async function signInWithBrowser(
  ctx: ProtocolContext,
  options: InteractiveOptions,
): Promise<TokenResult> {
  const loopback = await listenOnLoopback({
    port: options.port,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  })
  try {
    const secrets = newTransactionSecrets()
    const url = await authorizationUrl(ctx, {
      redirectUri: loopback.redirectUri,
      scopes: options.scopes,
      ...secrets,
      responseMode: 'query',
      claims: options.claims,
      prompt: options.prompt,
      loginHint: options.loginHint,
      domainHint: options.domainHint,
      extraParameters: options.extraQueryParameters,
    })
    const response = loopback.response(secrets.state)
    const opened = await (options.openBrowser ?? openSystemBrowser)(url.href).catch(() => false)
    if (!opened) {
      if (!options.onUrl) {
        await loopback.close()
        throw new IdwebError(
          'IDW_CONFIG_INVALID',
          'No browser could be opened here, and nobody was told the sign-in URL: pass onUrl, or sign in with the device code.',
        )
      }
      options.onUrl(url.href)
    }
    const params = await response
    const checked = checkAuthorizationResponse(ctx, params, secrets.state)
    return await redeemCode(ctx, checked, {
      nonce: secrets.nonce,
      codeVerifier: secrets.codeVerifier,
      redirectUri: loopback.redirectUri,
      scopes: options.scopes,
    })
  } finally {
    await loopback.close()
  }
}

/** The device authorization grant (RFC 8628): sign in on another device with a short code. */
export async function signInWithDeviceCode(
  ctx: ProtocolContext,
  options: DeviceCodeOptions,
): Promise<TokenResult> {
  const device = await startDeviceAuthorization(ctx, options.scopes)
  options.onCode({
    userCode: device.userCode,
    verificationUri: device.verificationUri,
    verificationUriComplete: device.verificationUriComplete,
    message: device.message,
    expiresOn: device.expiresOn,
  })
  return pollDeviceCode(ctx, device, { signal: options.signal, sleep: options.sleep })
}
