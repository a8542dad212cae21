// The edge runtime's first gate: a request for a protected page without a live session is sent
// to sign-in before anything renders. It cannot see a sign-out elsewhere; the pages ask the
// server side (auth.getIdentity()), which can.
import { requireSession } from 'idweb/next/edge'
import { cookieName, sessionSecrets } from './lib/session'

export default requireSession({ secrets: sessionSecrets(), cookieName })

export const config = { matcher: ['/profile/:path*', '/mail/:path*'] }
