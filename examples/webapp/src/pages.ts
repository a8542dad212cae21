import { type Html, html } from './html.ts'
import { type LayoutContext, layout } from './layout.ts'

/** An item of the todo API. */
export interface Todo {
  id: string
  title: string
  createdAt: string
}

/** A user as Microsoft Graph describes them (`/me`, `/users`); every field may be missing. */
export interface GraphUser {
  id?: string
  displayName?: string | null
  givenName?: string | null
  surname?: string | null
  mail?: string | null
  userPrincipalName?: string | null
  jobTitle?: string | null
}

/**
 * The home page. `consent` maps a page's path to the scopes it asks consent for beyond sign-in,
 * so that the list can say which pages will ask.
 */
export function homePage(
  ctx: LayoutContext,
  claims: Readonly<Record<string, unknown>>,
  consent: ReadonlyMap<string, readonly string[]> = new Map(),
): string {
  if (!ctx.userName) {
    return layout(
      'Home',
      ctx,
      html`<div class="card">
<h1>Welcome</h1>
<p>This sample web app signs you in with Microsoft Entra ID (here, idweb's development identity
provider), reads your profile from Microsoft Graph, and keeps a todo list in a separate web API
that it calls on your behalf.</p>
<p><a class="button" href="/signin?returnTo=%2F">Sign in</a></p>
<p class="muted">Demo accounts: <code>alice@contoso.example</code> / <code>alice</code>,
<code>bob@contoso.example</code> / <code>bob</code>.</p>
</div>`,
    )
  }
  const asks = (path: string) => {
    const scopes = consent.get(path)
    if (!scopes) return ''
    const names = scopes.map((s, i) => html`${i > 0 ? ', ' : ''}<code>${s.split('/').pop()}</code>`)
    return html` <span class="consent">It asks for your consent to ${names} the first time you open it.</span>`
  }
  return layout(
    'Home',
    ctx,
    html`<div class="card">
<h1>Hello, ${ctx.userName}</h1>
<p>You are signed in as <strong>${String(claims.preferred_username ?? '')}</strong>.</p>
<ul id="pages">
<li><a href="/profile">Profile</a>: your account, from Microsoft Graph <code>/me</code>.${asks('/profile')}</li>
<li><a href="/todos">Todos</a>: your list, kept by the todo API and called with your token.${asks('/todos')}</li>
<li><a href="/colleagues">Colleagues</a>: the people of your organization, from Graph
<code>/users</code>.${asks('/colleagues')}</li>
</ul>
</div>`,
  )
}

export function profilePage(ctx: LayoutContext, me: GraphUser): string {
  const row = (label: string, value: unknown) =>
    value === undefined || value === null || value === ''
      ? ''
      : html`<dt>${label}</dt><dd>${String(value)}</dd>`
  return layout(
    'Profile',
    ctx,
    html`<div class="card">
<h1>${me.displayName ?? 'Your profile'}</h1>
<dl>
${row('Name', me.displayName)}
${row('Given name', me.givenName)}
${row('Surname', me.surname)}
${row('Job title', me.jobTitle)}
${row('Email', me.mail)}
${row('User principal name', me.userPrincipalName)}
${row('Object id', me.id)}
</dl>
<p class="muted">From Microsoft Graph <code>GET /me</code> with a delegated <code>User.Read</code> token.</p>
</div>
<div class="card">
<h2>Signed in elsewhere?</h2>
<p>Ends every session of your account in this app: in other browsers and on every server, copied
cookies included. You stay signed in at the identity provider.</p>
<form method="post" action="/signout-everywhere"><button type="submit" id="signout-everywhere">Sign out everywhere</button></form>
</div>`,
  )
}

/** The caller as the todo API sees them: its `GET /me`, from Graph on the user's behalf. */
export interface ApiProfile {
  displayName: string | null
  userPrincipalName: string | null
}

export function todosPage(
  ctx: LayoutContext,
  todos: readonly Todo[],
  options: {
    error?: string | undefined
    title?: string | undefined
    apiSees?: ApiProfile | undefined
  } = {},
): string {
  const list =
    todos.length === 0
      ? html`<p class="muted" id="empty">Nothing to do. Add something below.</p>`
      : html`<ul class="items" id="todos">${todos.map(
          (t) => html`<li data-id="${t.id}"><span class="title">${t.title}</span>
<form class="inline" method="post" action="/todos/${encodeURIComponent(t.id)}/delete">
<button class="link" type="submit" aria-label="Delete ${t.title}">Delete</button></form></li>`,
        )}</ul>`
  return layout(
    'Todos',
    ctx,
    html`<div class="card">
<h1>Your todos</h1>
${list}
${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
<form class="add" method="post" action="/todos">
<input type="text" name="title" aria-label="New todo" placeholder="What needs doing?" maxlength="200" required value="${options.title ?? ''}">
<button type="submit">Add</button>
</form>
<p class="muted">Stored by the todo API, called with a delegated token for
<code>access_as_user</code>.</p>
${
  options.apiSees
    ? html`<p class="muted" id="api-sees">The todo API knows you as
<strong>${options.apiSees.displayName ?? ''}</strong> (${options.apiSees.userPrincipalName ?? ''}):
it asked Microsoft Graph <code>/me</code> on your behalf (on-behalf-of).</p>`
    : ''
}
</div>`,
  )
}

export function colleaguesPage(ctx: LayoutContext, users: readonly GraphUser[]): string {
  return layout(
    'Colleagues',
    ctx,
    html`<div class="card">
<h1>Colleagues</h1>
<ul class="items" id="colleagues">${users.map(
      (u) =>
        html`<li><span><strong>${u.displayName ?? ''}</strong></span><span class="muted">${
          u.mail ?? u.userPrincipalName ?? ''
        }</span></li>`,
    )}</ul>
<p class="muted">From Microsoft Graph <code>GET /users</code>, which needs
<code>User.ReadBasic.All</code>: this page asked for that permission alone, the first time.</p>
</div>`,
  )
}

export function signOutPage(): string {
  return layout(
    'Sign out',
    { userName: undefined, path: '/signout' },
    html`<div class="card">
<h1>Sign out?</h1>
<form method="post" action="/signout"><button type="submit">Sign out</button></form>
</div>`,
  )
}

/** The page for a path the app does not have. */
export function notFoundPage(ctx: LayoutContext): string {
  return layout(
    'Page not found',
    ctx,
    html`<div class="card">
<h1>Page not found</h1>
<p>There is no page at <code>${ctx.path}</code>. It may have moved, or the link may be mistyped.</p>
<p class="muted">Error 404. <a href="/">Back to the home page</a></p>
</div>`,
  )
}

export function errorPage(
  ctx: LayoutContext,
  status: number,
  title: string,
  message: string | Html,
): string {
  return layout(
    title,
    ctx,
    html`<div class="card">
<h1>${title}</h1>
<p class="error" role="alert">${message}</p>
<p class="muted">Error ${status}. <a href="/">Back to the home page</a></p>
</div>`,
  )
}
