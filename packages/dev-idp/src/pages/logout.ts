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

/**
 * Entra's signed-out page: one hidden iframe per app the session signed in to, loading its
 * front-channel logout URL, then on to where the sign-out goes next once every frame has loaded
 * (or after five seconds, whichever comes first; without scripts, a link and a refresh).
 */
export function frontChannelPage(frames: readonly string[], next: string): string {
  const script = `(function(){var f=document.querySelectorAll('iframe.fc'),n=f.length,done=false;
function go(){if(!done){done=true;location.replace(document.getElementById('next').href)}}
f.forEach(function(x){x.addEventListener('load',function(){if(--n<=0)go()})});
setTimeout(go,5000)})()`
  return page(
    'Signed out',
    html`<h1>Signing you out</h1>
<p>You are being signed out of the applications you used.</p>
${frames.map((src) => html`<iframe class="fc" src="${src}" title="Front-channel logout" hidden></iframe>`)}
<p><a id="next" href="${next}">Continue</a></p>
<noscript><meta http-equiv="refresh" content="5;url=${next}"></noscript>
${new Html(`<script>${script}</script>`)}`,
  )
}
