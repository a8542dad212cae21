import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  BearerError,
  requireRoles,
  requireScopeOrAppPermission,
  requireScopes,
  toErrorResponse,
} from '../../src/api/index.ts'
import { toPrincipal } from '../../src/api/principal.ts'
import { assertRefused, validatorFor } from './support/assertions.ts'
import { bearer, CALLER_APP, startTestIssuer, type TestIssuer } from './support/test-issuer.ts'

const user = toPrincipal({ scp: 'Todo.Read Todo.Write', oid: 'u' }, 'a.b.c')
const app = toPrincipal({ roles: ['Todo.Read.All'], idtyp: 'app', azp: 'daemon' }, 'a.b.c')

const insufficient = (fn: () => void): BearerError => {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof BearerError)
    assert.equal(err.code, 'IDW_INSUFFICIENT_SCOPE')
    assert.equal(err.status, 403)
    return err
  }
  return assert.fail('expected IDW_INSUFFICIENT_SCOPE')
}

describe('scope and role requirements', () => {
  it('requireScopes needs all scopes unless anyOf', () => {
    requireScopes(user, ['Todo.Read', 'Todo.Write'])
    requireScopes(user, ['Todo.Admin', 'Todo.Read'], { anyOf: true })
    const err = insufficient(() => requireScopes(user, ['Todo.Read', 'Todo.Admin']))
    assert.deepEqual(err.requiredScopes, ['Todo.Read', 'Todo.Admin'])
  })

  it('answers a missing scope with 403 insufficient_scope naming the scopes', async () => {
    const err = insufficient(() => requireScopes(user, ['Todo.Admin']))
    const response = toErrorResponse(err, { realm: 'todo' })
    assert.equal(response.status, 403)
    assert.equal(
      response.headers.get('www-authenticate'),
      'Bearer realm="todo", error="insufficient_scope", error_description="The token lacks the scopes: Todo.Admin.", scope="Todo.Admin"',
    )
    assert.deepEqual(await response.json(), {
      error: 'insufficient_scope',
      error_description: 'The token lacks the scopes: Todo.Admin.',
    })
  })

  it('an app-only token has roles, no scopes, and passes role checks only', () => {
    assert.equal(app.isAppOnly, true)
    assert.equal(app.clientId, 'daemon')
    requireRoles(app, ['Todo.Read.All'])
    insufficient(() => requireScopes(app, ['Todo.Read']))
    const err = insufficient(() => requireRoles(app, ['Todo.ReadWrite.All']))
    assert.deepEqual(err.requiredRoles, ['Todo.ReadWrite.All'])
    assert.equal(toPrincipal({ roles: ['r'] }, 'a.b.c').isAppOnly, true)
    assert.equal(toPrincipal({ roles: ['r'], scp: 's' }, 'a.b.c').isAppOnly, false)
  })

  it('requireScopeOrAppPermission accepts a user scope or an app role, nothing else', () => {
    requireScopeOrAppPermission(user, ['Todo.Read'], ['Todo.Read.All'])
    requireScopeOrAppPermission(app, ['Todo.Read'], ['Todo.Read.All'])
    requireScopeOrAppPermission(app, [], ['Todo.Read.All'])
    insufficient(() => requireScopeOrAppPermission(user, [], ['Todo.Read.All']))
    const err = insufficient(() =>
      requireScopeOrAppPermission(app, ['Todo.Read'], ['Todo.Admin.All']),
    )
    assert.deepEqual(err.requiredScopes, ['Todo.Read'])
    assert.deepEqual(err.requiredRoles, ['Todo.Admin.All'])
  })

  describe('validator defaults', () => {
    let issuer: TestIssuer
    before(async () => {
      issuer = await startTestIssuer()
    })
    after(() => issuer.close())

    it('enforces requiredScopes on every token (any one of them)', async () => {
      const validator = validatorFor(issuer, { requiredScopes: ['Todo.Admin', 'Todo.Read'] })
      await validator.authenticate(bearer(await issuer.sign({ scp: 'Todo.Read' })))
      const err = await assertRefused(
        validator.authenticate(bearer(await issuer.sign({ scp: 'Other' }))),
        'insufficient_scope',
        403,
      )
      assert.match(
        toErrorResponse(err).headers.get('www-authenticate')!,
        /scope="Todo.Admin Todo.Read"$/,
      )
    })

    it('with requiredScopes and requiredRoles, accepts either; an app token with roles passes', async () => {
      const validator = validatorFor(issuer, {
        requiredScopes: ['Todo.Read'],
        requiredRoles: ['Todo.Read.All'],
      })
      const daemon = await issuer.sign(
        { roles: ['Todo.Read.All'], idtyp: 'app', sub: 'sp', oid: 'sp' },
        { omit: ['scp'] },
      )
      const principal = await validator.authenticate(bearer(daemon))
      assert.equal(principal.isAppOnly, true)
      assert.equal(principal.clientId, CALLER_APP)
      const weak = await issuer.sign({ roles: ['Other.All'] }, { omit: ['scp'] })
      await assertRefused(validator.authenticate(bearer(weak)), 'insufficient_scope', 403)
    })
  })
})
