import type { ApiPrincipal } from '../../api/principal.ts'
import type { RequestIdentity } from '../shared/identity.ts'

declare global {
  // Express declares its request type in this global namespace; merging adds idweb's fields.
  namespace Express {
    interface Request {
      /** Set by `idwebMiddleware` (`idweb/express`) on every request it passes on. */
      identity: RequestIdentity
      /** Set by `requireBearer` (`idweb/express`) once the bearer token is valid. */
      auth?: ApiPrincipal
    }
  }
}
