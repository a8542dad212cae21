// More signed-in users for the idweb app than the dev IdP's forms could sign in within a bounded
// setup time: each extra user is the real user's session and cached tokens with another account
// id and fresh token text of the same size, written through idweb's own session and cache APIs.
import { randomBytes, randomUUID } from 'node:crypto'
import type { Idweb } from 'idweb'
import { SCOPE } from './kinds.ts'

/**
 * `have` extended to the `Cookie` headers of `users` signed-in users: `have[0]` is the user
 * signed in through the dev IdP, the others are seeded like it.
 */
export async function seedUsers(
  idweb: Idweb,
  origin: string,
  have: readonly string[],
  users: number,
): Promise<string[]> {
  const url = `${origin}/hello`
  const cookie = have[0] ?? ''
  const real = await idweb.authenticate(new Request(url, { headers: { cookie } }))
  if (real.user === undefined) throw new Error('seed: the signed-in user did not authenticate')
  const token = await idweb.getTokenForUser(real.user, [SCOPE])
  const { claims, account } = real.user
  const tid = String(claims.tid)
  const cookies = [...have]
  for (let i = cookies.length; i < users; i++) {
    const oid = randomUUID()
    const homeAccountId = `${oid}.${tid}`
    const username = `user${i}@contoso.example`
    const partition = await idweb.cache.partition(homeAccountId)
    partition.saveTokenResponse({
      clientId: idweb.config.clientId,
      environment: idweb.config.authority.environment,
      realm: account.realm,
      scopes: [SCOPE],
      accessToken: randomBytes(token.accessToken.length)
        .toString('base64url')
        .slice(0, token.accessToken.length),
      expiresIn: 3600,
      refreshToken: randomBytes(600).toString('base64url'),
      account: { homeAccountId, localAccountId: oid, username, name: `User ${i}` },
    })
    await idweb.cache.flush(partition)
    const session = idweb.sessions.create({
      homeAccountId,
      claims: { ...claims, oid, sub: randomBytes(32).toString('base64url'), name: `User ${i}` },
    })
    const set = await idweb.sessions.commit(new Request(url), session)
    cookies.push(set.map((c) => c.split(';', 1)[0]).join('; '))
  }
  return cookies
}
