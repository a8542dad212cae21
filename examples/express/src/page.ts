// The example's two pages, plain strings: every value from the user or from Graph is escaped.

/** What the example shows of Microsoft Graph's `GET /me`. */
export interface GraphUser {
  id?: string
  displayName?: string | null
  mail?: string | null
  userPrincipalName?: string | null
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

// A form, not a link: a cross-site form post carries no SameSite=Lax session cookie.
const signOut = '<form method="post" action="/signout"><button>Sign out</button></form>'

/** The home page: who is signed in, or a sign-in link. `name` is raw text. */
export function homePage(name: string | undefined): string {
  return name === undefined
    ? layout('<p>You are not signed in.</p><p><a class="button" href="/signin">Sign in</a></p>')
    : layout(`<h1>Hello ${escapeHtml(name)}</h1>
<p><a href="/profile">Your Microsoft Graph profile</a></p>${signOut}`)
}

/** The profile page: the signed-in user as Microsoft Graph sees them. */
export function profilePage(me: GraphUser): string {
  const rows = [
    ['Name', me.displayName],
    ['Email', me.mail],
    ['User principal name', me.userPrincipalName],
    ['Object id', me.id],
  ]
    .map(([label, value]) => `<dt>${label}</dt><dd>${escapeHtml(value)}</dd>`)
    .join('')
  return layout(`<h1>Profile</h1><p>From Microsoft Graph <code>GET /me</code>:</p>
<dl>${rows}</dl><p><a href="/">Home</a></p>${signOut}`)
}

function layout(body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>idweb on Express</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; color: #222 }
header { color: #666; border-bottom: 1px solid #ddd; margin-bottom: 1.5rem }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem }
dt { color: #666 } dd { margin: 0 }
a.button, button { display: inline-block; font: inherit; padding: .4rem 1rem; border: 1px solid #0366d6; border-radius: 4px;
  background: #0366d6; color: #fff; text-decoration: none; cursor: pointer }
</style></head>
<body><header><p>idweb on Express</p></header><main>
${body}
</main></body></html>`
}
