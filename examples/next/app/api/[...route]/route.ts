// The web suite's contract routes: a 404 unless IDWEB_CONTRACT_ROUTES=1 (see lib/contract.ts).
import { contractRoute } from '../../../lib/contract'

export const GET = contractRoute
