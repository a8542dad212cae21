import { isAccessToken, isAccount, isIdToken, isRefreshToken } from '../cache/entities.ts'
import { comparableEnvironment } from '../cache/environments.ts'
import { Partition } from '../cache/partition.ts'
import { parseJsonObject } from '../cache/serialization.ts'
import { IdwebError } from '../errors.ts'

/** The sections of MSAL's unified schema that hold one account's entities, and their checks. */
const ACCOUNT_SECTIONS = {
  Account: isAccount,
  IdToken: isIdToken,
  AccessToken: isAccessToken,
  RefreshToken: isRefreshToken,
} as const
type AccountSection = keyof typeof ACCOUNT_SECTIONS
const SECTION_NAMES = Object.keys(ACCOUNT_SECTIONS) as AccountSection[]

type Section = Record<string, unknown>
type Root = Record<string, unknown>

/**
 * A whole MSAL cache file, as several clients share it: one account at a time is taken out as a
 * {@link Partition} and put back. Only what is this provider's (its host, or an alias of its
 * cloud) and what idweb reads is touched: other providers' and other accounts' entries, app-only
 * tokens, entries of kinds idweb does not know (PoP or SSH certificate tokens) and unknown
 * sections and fields are written back as they were read.
 */
export class CacheDocument {
  readonly #root: Root
  readonly #environment: string

  private constructor(root: Root, environment: string) {
    this.#root = root
    this.#environment = environment
  }

  /** Parses the file's text; anything that is not a JSON object is `IDW_CACHE_CORRUPT`. */
  static parse(text: string, path: string, environment: string): CacheDocument {
    const root = parseJsonObject(
      text,
      (why, cause) =>
        new IdwebError(
          'IDW_CACHE_CORRUPT',
          `The token cache ${path} is ${why}: remove it (every account signs in again) or restore it.`,
          { cause },
        ),
    )
    return new CacheDocument(root, environment)
  }

  /** Home account ids of every account of this provider in the file, in the file's order. */
  homeAccountIds(): string[] {
    const ids = new Set<string>()
    for (const entity of Object.values(this.#section('Account'))) {
      const id = homeOf(entity)
      if (id && this.#ours('Account', entity)) ids.add(id)
    }
    return [...ids]
  }

  /** The entities of one account at this provider (and every app's metadata) as a partition. */
  partition(homeAccountId: string, clock?: () => number): Partition {
    const json: Record<string, Section> = {}
    for (const name of SECTION_NAMES) {
      json[name] = Object.fromEntries(
        Object.entries(this.#section(name)).filter(([, e]) => this.#owned(name, e, homeAccountId)),
      )
    }
    json.AppMetadata = this.#section('AppMetadata')
    // Written in the same second, the copy later in the file is the newer one (see `ties`).
    return Partition.deserialize(homeAccountId, JSON.stringify(json), {
      ties: 'last',
      ...(clock ? { clock } : {}),
    })
  }

  /**
   * The file's text with the account's entities at this provider replaced by `partition`'s, or
   * removed when `partition` is `undefined`.
   */
  withAccount(homeAccountId: string, partition: Partition | undefined): string {
    const root: Root = { ...this.#root }
    for (const name of SECTION_NAMES) {
      const kept: Section = Object.create(null)
      for (const [key, e] of Object.entries(this.#section(name))) {
        if (!this.#owned(name, e, homeAccountId)) kept[key] = e
      }
      root[name] = kept
    }
    root.AppMetadata = { ...this.#section('AppMetadata') }
    if (partition !== undefined) {
      const theirs = partition.toJSON() as unknown as Record<string, Section>
      for (const name of [...SECTION_NAMES, 'AppMetadata'] as const) {
        const into = root[name] as Section
        for (const [key, e] of Object.entries(theirs[name] ?? {})) {
          Object.defineProperty(into, key, {
            value: e,
            enumerable: true,
            writable: true,
            configurable: true,
          })
        }
      }
    }
    return JSON.stringify(root, null, 2)
  }

  /** Whether `entity` is one the account's partition reads: the account's, this provider's. */
  #owned(name: AccountSection, entity: unknown, homeAccountId: string): boolean {
    return sameHome(entity, homeAccountId) && this.#ours(name, entity)
  }

  #ours(name: AccountSection, entity: unknown): boolean {
    if (!(ACCOUNT_SECTIONS[name] as (v: unknown) => boolean)(entity)) return false
    return sameProvider((entity as { environment: string }).environment, this.#environment)
  }

  #section(name: string): Section {
    const value = this.#root[name]
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Section)
      : {}
  }
}

/**
 * Whether an entity recorded for `recorded` is this provider's: the same host and port, the host
 * alone (as MSAL Python and MSAL.NET record it), or another alias of the same Microsoft cloud. A
 * token of another port on the same host is another provider's, and never sent to this one.
 */
function sameProvider(recorded: string, ours: string): boolean {
  const r = recorded.toLowerCase()
  const o = ours.toLowerCase()
  if (r === o) return true
  if (/:\d+$/.test(r)) return false
  return comparableEnvironment(r) === comparableEnvironment(o)
}

function homeOf(entity: unknown): string | undefined {
  if (typeof entity !== 'object' || entity === null) return undefined
  const id = (entity as { home_account_id?: unknown }).home_account_id
  return typeof id === 'string' && id !== '' ? id : undefined
}

function sameHome(entity: unknown, homeAccountId: string): boolean {
  return homeOf(entity)?.toLowerCase() === homeAccountId.toLowerCase()
}
