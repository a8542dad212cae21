/**
 * The hosts of each Microsoft cloud that MSAL treats as one environment (its instance-discovery
 * aliases), the cache's preferred one first. A token recorded under any alias serves a lookup
 * under any other: MSAL Python records `login.microsoftonline.com` where msal-node and idweb
 * record `login.windows.net`.
 */
const CLOUDS: readonly (readonly string[])[] = [
  ['login.windows.net', 'login.microsoftonline.com', 'login.microsoft.com', 'sts.windows.net'],
  ['login.partner.microsoftonline.cn', 'login.chinacloudapi.cn'],
  ['login.microsoftonline.us', 'login.usgovcloudapi.net'],
  ['login-us.microsoftonline.com'],
  ['login.microsoftonline.de'],
]

const ALIAS = new Map<string, string>(CLOUDS.flatMap((hosts) => hosts.map((h) => [h, hosts[0]!])))
const memo = new Map<string, string>()

/**
 * The environment `host` is compared as: lowercase, without a port, and a cloud's preferred
 * alias for any of its hosts. The port is dropped because MSAL Python and MSAL.NET record the
 * host alone (`localhost`) where msal-node and idweb record `localhost:4000`.
 */
export function comparableEnvironment(host: string): string {
  let out = memo.get(host)
  if (out === undefined) {
    const bare = host.toLowerCase().replace(/:\d+$/, '')
    out = ALIAS.get(bare) ?? bare
    if (memo.size >= 1000) memo.clear()
    memo.set(host, out)
  }
  return out
}

/**
 * The environment to write a new entity under. A Microsoft cloud's host is written as configured
 * (MSAL clients read every alias of it). Any other host is written as the partition already
 * records it when it does under another form (`localhost` for `localhost:4000`): MSAL Python
 * and MSAL.NET drop the port, msal-node keeps it, and each finds only its own form. Following
 * the partition, the client that wrote it finds what idweb adds; a new partition keeps the port.
 */
export function writeEnvironment(wanted: string, recorded: Iterable<string>): string {
  const comparable = comparableEnvironment(wanted)
  if (ALIAS.has(comparable)) return wanted
  for (const env of recorded) {
    if (env !== wanted && comparableEnvironment(env) === comparable) return env
  }
  return wanted
}
