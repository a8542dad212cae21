/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

/** Tagged template that escapes every interpolated value unless it is {@link Html}. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? ''
  values.forEach((value, i) => {
    out += renderValue(value) + (strings[i + 1] ?? '')
  })
  return new Html(out)
}

/** Markup that is already safe. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

function renderValue(value: unknown): string {
  if (value instanceof Html) return value.value
  if (Array.isArray(value)) return value.map(renderValue).join('')
  if (value === undefined || value === null || value === false) return ''
  return escapeHtml(value)
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;color:#1f2937}
main{max-width:26rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.5rem;margin:0 0 1rem}
.brand{font-size:.85rem;color:#6b7280;margin-bottom:1.5rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=text],input[type=email],input[type=password]{width:100%;padding:.6rem;border:1px solid #9ca3af;border-radius:.25rem;font-size:1rem}
input:focus,button:focus{outline:2px solid #2563eb;outline-offset:1px}
button{margin-top:1.25rem;padding:.6rem 1.2rem;border:0;border-radius:.25rem;background:#2563eb;color:#fff;font-size:1rem;cursor:pointer}
button.secondary{background:#e5e7eb;color:#111827;margin-left:.5rem}
.help{background:#eff6ff;border:1px solid #93c5fd;color:#1e3a8a;padding:.6rem;border-radius:.25rem;overflow-wrap:anywhere}
.error{background:#fef2f2;border:1px solid #fca5a5;color:#991b1b;padding:.6rem;border-radius:.25rem}
ul.scopes{padding-left:1.2rem}
code{font-size:.85rem;word-break:break-all}
.meta{font-size:.8rem;color:#6b7280;white-space:pre-wrap}
`

/** A complete page with the provider's minimal style. */
export function page(title: string, body: Html, subtitle?: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<div class="brand">idweb development identity provider${subtitle ? ` · ${escapeHtml(subtitle)}` : ''}</div>
${body.value}
</main>
</body>
</html>`
}
