import { Html, html, page } from './html.ts'

/** "Sign out?" confirmation: submits itself in a browser, and a click still works without scripts. */
export function logoutPage(form: string, nonce: string | undefined): string {
  return page(
    'Sign out',
    html`<h1>Sign out</h1>
<p>You are being signed out.</p>
${new Html(form)}
<button type="submit" form="op.logoutForm" name="logout" value="yes" id="logout">Sign out</button>
${new Html(
  `<script${nonce ? ` nonce="${nonce}"` : ''}>document.getElementById('logout').click()</script>`,
)}`,
  )
}
