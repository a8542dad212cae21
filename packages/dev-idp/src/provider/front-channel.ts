import type Provider from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import type { DirectoryIndex } from '../directory/index.ts'
import { frontChannelPage } from '../pages/logout.ts'
import { entraSessionId } from './id-token.ts'

/**
 * Front-channel logout as Entra renders it: when a sign-out ends the session, the page it
 * answers with loads each signed-in app's `frontchannelLogoutUri` in an iframe, with `iss` and
 * that app's `sid`, before going where the sign-out was going (the app's post-logout redirect
 * URI, or the signed-out page).
 */
export function renderFrontChannelLogout(
  provider: Provider,
  index: DirectoryIndex,
  tenantId: string,
): void {
  const frames = new WeakMap<KoaContextWithOIDC, string[]>()
  provider.on('end_session.success', (koa: KoaContextWithOIDC) => {
    const session = koa.oidc.session
    if (session === undefined) return
    const urls: string[] = []
    // The sid the ID tokens carried: Entra's session GUID, the same for every app.
    const sid = entraSessionId(tenantId, koa)
    for (const clientId of Object.keys(session.authorizations ?? {})) {
      const uri = index.app(clientId)?.frontchannelLogoutUri
      if (!uri) continue
      const url = new URL(uri)
      url.searchParams.set('iss', provider.issuer)
      if (sid) url.searchParams.set('sid', sid)
      urls.push(url.href)
    }
    if (urls.length > 0) frames.set(koa, urls)
  })
  provider.use(async (koa, next) => {
    await next()
    const urls = frames.get(koa as KoaContextWithOIDC)
    const location = koa.response.get('location')
    if (!urls || !location || koa.status < 300 || koa.status >= 400) return
    koa.remove('location')
    koa.status = 200
    koa.type = 'html'
    koa.body = frontChannelPage(urls, location)
  })
}
