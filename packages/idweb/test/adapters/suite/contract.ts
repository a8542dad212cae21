// What every contract app shares, whatever its framework or runtime: the claims challenge one of
// its routes raises and the secret detail its failing route must never show.
import { InteractionRequiredError } from '../../../src/errors.ts'

export const CLAIMS = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}'
export const SECRET_DETAIL = 'db password hunter2 at /srv/app/secret.js'

export const claimsChallenge = () =>
  new InteractionRequiredError('claims_challenge', ['User.Read'], { claims: CLAIMS })
