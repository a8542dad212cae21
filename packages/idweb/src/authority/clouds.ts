/**
 * The Microsoft Entra clouds idweb knows by host name.
 *
 * Each cloud answers on several host names (aliases). Requests go to the `network` host, whose
 * name is also the one in the issuer of its tokens; the MSAL token cache records entries under the
 * `cache` host (the MSAL `environment`), so a cache shared with MSAL-based apps keeps matching.
 */
export interface EntraCloud {
  /** The host requests are sent to and tokens are issued by. */
  readonly network: string
  /** The host MSAL writes as the cache `environment`. */
  readonly cache: string
  /** Every host name of this cloud. */
  readonly aliases: readonly string[]
}

const clouds: readonly EntraCloud[] = Object.freeze(
  [
    {
      network: 'login.microsoftonline.com',
      cache: 'login.windows.net',
      aliases: [
        'login.microsoftonline.com',
        'login.windows.net',
        'login.microsoft.com',
        'sts.windows.net',
      ],
    },
    {
      network: 'login.microsoftonline.us',
      cache: 'login.microsoftonline.us',
      aliases: ['login.microsoftonline.us', 'login.usgovcloudapi.net'],
    },
    {
      network: 'login.partner.microsoftonline.cn',
      cache: 'login.partner.microsoftonline.cn',
      aliases: ['login.partner.microsoftonline.cn', 'login.chinacloudapi.cn'],
    },
    {
      network: 'login-us.microsoftonline.com',
      cache: 'login-us.microsoftonline.com',
      aliases: ['login-us.microsoftonline.com'],
    },
  ].map((c) => Object.freeze({ ...c, aliases: Object.freeze(c.aliases) })),
)

/**
 * The Entra cloud a host name belongs to, or `undefined` for any other host (a dev IdP, a
 * generic OpenID Connect provider).
 *
 * @example
 * ```ts
 * findEntraCloud('login.chinacloudapi.cn')?.network // 'login.partner.microsoftonline.cn'
 * ```
 */
export function findEntraCloud(host: string): EntraCloud | undefined {
  const h = host.toLowerCase()
  return clouds.find((c) => c.aliases.includes(h))
}
