// One of idweb's sign-in routes, answered by idweb itself (a wrong method: its 405, with Allow).
import { auth } from '../../lib/auth'

export const { GET, POST, PUT, PATCH, DELETE } = auth.handlers
