import { html, page } from './html.ts'

/** One permission on the consent page. */
export interface ConsentItem {
  scope: string
  description: string
}

/** "Permissions requested": accept or cancel. */
export function consentPage(input: {
  action: string
  appName: string
  username: string
  tenantName: string
  items: ConsentItem[]
}): string {
  return page(
    'Permissions requested',
    html`<h1>Permissions requested</h1>
<p><strong>${input.appName}</strong> would like to:</p>
<ul class="scopes">
${input.items.map((i) => html`<li><span>${i.description}</span><br><code>${i.scope}</code></li>`)}
</ul>
<p>Signed in as <strong>${input.username}</strong>.</p>
<form method="post" action="${input.action}">
<button type="submit" name="decision" value="accept">Accept</button>
<button type="submit" name="decision" value="deny" class="secondary">Cancel</button>
</form>`,
    input.tenantName,
  )
}
