import type { ServerResponse } from 'node:http'
import { errorPage } from '../pages/error.ts'
import { type EntraErrorFields, entraErrorBody, errorIds } from '../protocol-error.ts'

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
}

/** Answers JSON. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}

/** Answers an HTML page. */
export function sendHtml(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-frame-options': 'DENY',
  })
  res.end(body)
}

/** Redirects (303 after a form post, 302 otherwise). */
export function redirect(res: ServerResponse, location: string, status = 302) {
  res.writeHead(status, { ...SECURITY_HEADERS, location, 'content-length': 0 })
  res.end()
}

/** An Entra error: JSON for API callers, an HTML page for browser endpoints. */
export function sendEntraError(
  res: ServerResponse,
  fields: EntraErrorFields,
  as: 'json' | 'html',
  clientRequestId?: string | string[],
) {
  const ids = errorIds(clientRequestId)
  if (as === 'html') {
    sendHtml(
      res,
      fields.status ?? 400,
      errorPage({
        error: fields.error,
        aadsts: fields.aadsts,
        message: fields.message,
        help: fields.help,
        ...ids,
      }),
    )
  } else {
    sendJson(res, fields.status ?? 400, entraErrorBody(fields, ids))
  }
}
