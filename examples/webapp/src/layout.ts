import { Html, html } from './html.ts'

/** What the shared layout needs to know about the request. */
export interface LayoutContext {
  /** The signed-in user's display name, or `undefined` when signed out. */
  readonly userName: string | undefined
  /** The current path, to mark the active menu entry. */
  readonly path: string
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f5f6f8;color:#1f2937}
header{background:#1e3a8a;color:#fff}
.bar{max-width:48rem;margin:0 auto;padding:.75rem 1.25rem;display:flex;align-items:center;gap:1.25rem;flex-wrap:wrap}
.brand{font-weight:700;color:#fff;text-decoration:none;margin-right:.5rem}
nav{display:flex;gap:.25rem;flex:1}
nav a{color:#dbe4ff;text-decoration:none;padding:.3rem .65rem;border-radius:.3rem}
nav a:hover{background:rgba(255,255,255,.12);color:#fff}
nav a[aria-current=page]{background:rgba(255,255,255,.2);color:#fff}
.who{display:flex;align-items:center;gap:.75rem;font-size:.9rem;color:#dbe4ff}
main{max-width:48rem;margin:2rem auto;padding:0 1.25rem}
.card{background:#fff;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:1.5rem 1.75rem;margin-bottom:1.25rem}
h1{font-size:1.6rem;margin:0 0 .75rem}
h2{font-size:1.15rem;margin:0 0 .75rem}
p{margin:.5rem 0}
a{color:#1d4ed8}
.muted{color:#6b7280;font-size:.9rem}
.button,button{display:inline-block;padding:.5rem 1rem;border:0;border-radius:.3rem;background:#2563eb;color:#fff;font:inherit;font-size:.95rem;cursor:pointer;text-decoration:none}
.button:hover,button:hover{background:#1d4ed8}
header button,header .button{background:rgba(255,255,255,.15);padding:.3rem .8rem}
header button:hover,header .button:hover{background:rgba(255,255,255,.28)}
button.link{background:none;color:#b91c1c;padding:.2rem .5rem}
button.link:hover{background:#fee2e2}
input[type=text]{flex:1;padding:.5rem .65rem;border:1px solid #9ca3af;border-radius:.3rem;font:inherit}
input:focus,button:focus,a:focus{outline:2px solid #2563eb;outline-offset:2px}
form.inline{display:inline}
form.add{display:flex;gap:.5rem;margin-top:1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1.25rem;margin:0}
dt{color:#6b7280}
dd{margin:0;word-break:break-all}
ul.items{list-style:none;padding:0;margin:0}
ul.items li{display:flex;justify-content:space-between;align-items:center;gap:1rem;padding:.55rem 0;border-bottom:1px solid #e5e7eb}
ul.items li:last-child{border-bottom:0}
.error{background:#fef2f2;border:1px solid #fca5a5;color:#991b1b;padding:.65rem .85rem;border-radius:.3rem;margin:.75rem 0}
.note{background:#eff6ff;border:1px solid #bfdbfe;padding:.65rem .85rem;border-radius:.3rem;margin:.75rem 0;font-size:.92rem}
code{font-size:.88em;background:#f1f5f9;padding:.05rem .3rem;border-radius:.2rem}
`

const STYLE = new Html(CSS)

const MENU: ReadonlyArray<readonly [string, string]> = [
  ['/', 'Home'],
  ['/profile', 'Profile'],
  ['/todos', 'Todos'],
  ['/colleagues', 'Colleagues'],
]

/** A complete page: header with the menu and the signed-in state, then `body`. */
export function layout(title: string, ctx: LayoutContext, body: Html): string {
  const who =
    ctx.path === '/signout'
      ? ''
      : ctx.userName
        ? html`<span>${ctx.userName}</span>
<form class="inline" method="post" action="/signout"><button type="submit">Sign out</button></form>`
        : html`<a class="button" href="/signin?returnTo=${encodeURIComponent(ctx.path)}">Sign in</a>`
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · idweb sample</title>
<style>${STYLE}</style>
</head>
<body>
<header><div class="bar">
<a class="brand" href="/">idweb sample</a>
<nav>${MENU.map(
    ([href, label]) =>
      html`<a href="${href}"${ctx.path === href ? html` aria-current="page"` : ''}>${label}</a>`,
  )}</nav>
<div class="who">${who}</div>
</div></header>
<main>
${body}
</main>
</body>
</html>`.value
}
