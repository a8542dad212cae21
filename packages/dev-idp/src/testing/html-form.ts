/** A form found in an HTML page. */
export interface ParsedForm {
  /** The form's `id` attribute, if it has one. */
  id: string | undefined
  /** The `action` attribute, as written (possibly relative). */
  action: string
  /** The method, upper-cased; `GET` when the form names none. */
  method: 'GET' | 'POST'
  /** Every `<input>` with a name, in order (hidden fields included). */
  fields: URLSearchParams
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const match of tag.matchAll(/([a-zA-Z_:.-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    const key = match[1]?.toLowerCase()
    if (key) out[key] = unescapeHtml(match[3] ?? match[4] ?? '')
  }
  return out
}

/** Reverses the escaping of attribute values. */
export function unescapeHtml(value: string): string {
  return value
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&#x27;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&')
}

/** The forms of a page (enough HTML parsing for the provider's own server-rendered pages). */
export function parseForms(html: string): ParsedForm[] {
  const forms: ParsedForm[] = []
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = attributes(match[1] ?? '')
    const fields = new URLSearchParams()
    for (const input of (match[2] ?? '').matchAll(/<input\b([^>]*)>/gi)) {
      const a = attributes(input[1] ?? '')
      if (a.name) fields.append(a.name, a.value ?? '')
    }
    forms.push({
      id: attrs.id,
      action: attrs.action ?? '',
      method: (attrs.method ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET',
      fields,
    })
  }
  return forms
}
