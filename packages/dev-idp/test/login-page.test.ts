import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loginPage } from '../src/pages/login.ts'

describe('sign-in form', () => {
  it('lets password managers fill the username and the current password', () => {
    const page = loginPage({ action: '/x', appName: 'App', tenantName: 'Contoso' })
    assert.match(page, /<input [^>]*id="username"[^>]*autocomplete="username"/)
    assert.match(page, /<input [^>]*id="password"[^>]*autocomplete="current-password"/)
    assert.doesNotMatch(page, /<form [^>]*autocomplete="off"/)
  })
})
