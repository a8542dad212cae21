import { html, page } from './html.ts'

/** A browser-facing error, shown instead of redirecting to an unverified redirect URI. */
export function errorPage(input: {
  error: string
  aadsts: number
  message: string
  /** What to change in the dev IdP's directory to fix it. */
  help?: string | undefined
  traceId: string
  correlationId: string
  timestamp: string
}): string {
  return page(
    `Sign-in error AADSTS${input.aadsts}`,
    html`<h1>Sorry, but we're having trouble signing you in.</h1>
<p class="error" role="alert"><strong>AADSTS${input.aadsts}</strong>: ${input.message}</p>
${input.help ? html`<p class="help">${input.help}</p>` : ''}
<p class="meta">Error: ${input.error}
Trace ID: ${input.traceId}
Correlation ID: ${input.correlationId}
Timestamp: ${input.timestamp}</p>`,
  )
}

/** A neutral message page (signed out, device signed in). */
export function messagePage(title: string, message: string): string {
  return page(title, html`<h1>${title}</h1><p>${message}</p>`)
}
