import { Html, html, page } from './html.ts'

/** Adds a label to oidc-provider's user-code form and its submit button. */
export function deviceCodeInputPage(form: string, error: string | undefined): string {
  const labelled = form.replace('name="user_code"', 'id="user_code" name="user_code"')
  return page(
    'Enter code',
    html`<h1>Enter code</h1>
<p>Enter the code displayed on your app or device.</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<label for="user_code">Code</label>
${new Html(labelled)}
<button type="submit" form="op.deviceInputForm">Next</button>`,
  )
}

/** "Are you trying to sign in to …?" */
export function deviceCodeConfirmPage(form: string, appName: string, userCode: string): string {
  return page(
    'Confirm sign-in',
    html`<h1>Are you trying to sign in to ${appName}?</h1>
<p>Only continue if you entered the code <code>${userCode}</code> on your own device.</p>
${new Html(form)}
<button type="submit" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes" class="secondary">Cancel</button>`,
  )
}
