import { html, page } from './html.ts'

/** The sign-in form of an interaction. */
export function loginPage(input: {
  action: string
  appName: string
  tenantName: string
  username?: string
  error?: string
}): string {
  return page(
    'Sign in',
    html`<h1>Sign in</h1>
<p>to continue to <strong>${input.appName}</strong></p>
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
<form method="post" action="${input.action}">
<label for="username">Email or username</label>
<input type="email" id="username" name="username" value="${input.username ?? ''}" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
    input.tenantName,
  )
}

/** Home-realm discovery for `common` / `organizations`: asks who signs in, then goes to their tenant. */
export function homeRealmPage(input: {
  action: string
  params: URLSearchParams
  appName: string
  error?: string
}): string {
  const hidden = [...input.params]
    .filter(([key]) => key !== 'login_hint')
    .map(([key, value]) => html`<input type="hidden" name="${key}" value="${value}">`)
  return page(
    'Sign in',
    html`<h1>Sign in</h1>
<p>to continue to <strong>${input.appName}</strong></p>
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
<form method="get" action="${input.action}">
${hidden}
<label for="login_hint">Email or username</label>
<input type="email" id="login_hint" name="login_hint" required autofocus>
<button type="submit">Next</button>
</form>`,
    'any organization',
  )
}
