import type { DirectorySource } from './options.ts'

/** The app registration an error is about, as the directory names it. */
export interface HelpApp {
  appId: string
  displayName: string
}

/**
 * What to change in the dev IdP's directory so that a redirect URI it refused is accepted: the
 * app's `redirectUris`, in the file given with `--directory` (or the `directory` option).
 */
export function redirectUriHelp(source: DirectorySource, app: HelpApp, uri: string): string {
  const add = `add "${uri}" to "redirectUris" of the app "${app.displayName}" (${app.appId})`
  switch (source.kind) {
    case 'file':
      return `To register it with the dev IdP, ${add} in ${source.path}, the directory file given with --directory (or IDWEB_DEV_IDP_DIRECTORY, or the directory option of startDevIdp), then restart the dev IdP.`
    case 'object':
      return `To register it with the dev IdP, ${add} in the directory object passed as the directory option of startDevIdp (or in a directory file given with --directory).`
    case 'demo':
      return `The dev IdP is serving its built-in demo directory. To register it, copy directory.json from @idweb/dev-idp, ${add}, and start the dev IdP with --directory ./directory.json (or IDWEB_DEV_IDP_DIRECTORY, or the directory option of startDevIdp).`
  }
}
