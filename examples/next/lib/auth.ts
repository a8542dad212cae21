// The one idweb of this process, kept on globalThis so every route and page shares it (its token
// cache and sessions), and so development's hot reload does not start a new one each time. It is
// created on first use, not when `next build` evaluates this module.
import { join } from 'node:path'
import { createIdweb, type Idweb, loadAppSettings } from 'idweb'
import { type NextIdweb, nextIdweb } from 'idweb/next'
import { headers } from 'next/headers'
import { cookieName, sessionSecrets } from './session'

interface Holder {
  idwebNextExample?: NextIdweb
}

function create(): Idweb {
  const settings = loadAppSettings(join(process.cwd(), 'appsettings.json'))
  return createIdweb({
    ...settings,
    session: { ...settings.session, secrets: sessionSecrets(), cookieName },
  })
}

const holder = globalThis as Holder
holder.idwebNextExample ??= nextIdweb(create, { headers })

export const auth = holder.idwebNextExample
