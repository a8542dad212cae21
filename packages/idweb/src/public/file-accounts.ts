import { Partition } from '../cache/partition.ts'
import { MAX_SERIALIZED_CHARS } from '../cache/serialization.ts'
import { IdwebError } from '../errors.ts'

/** The sections of MSAL's unified schema that hold one account's entities. */
const ACCOUNT_SECTIONS = ['Account', 'IdToken', 'AccessToken', 'RefreshToken'] as const

type Section = Record<string, unknown>
type Root = Record<string, unknown>

/**
 * A whole MSAL cache file, as several clients share it: one account at a time is taken out as a
 * {@link Partition} and put back, and everything else in the file (other accounts, other apps'
 * tokens, app-only tokens, sections and fields idweb does not know) is written back as it was
 * read.
 */
export class CacheDocument {
  readonly #root: Root

  private constructor(root: Root) {
    this.#root = root
  }

  /** Parses the file's text; anything that is not a JSON object is `IDW_CACHE_CORRUPT`. */
  static parse(text: string, path: string): CacheDocument {
    const corrupt = (why: string, cause?: unknown) =>
      new IdwebError(
        'IDW_CACHE_CORRUPT',
        `The token cache ${path} is ${why}: remove it (every account signs in again) or restore it.`,
        { cause },
      )
    if (text.length > MAX_SERIALIZED_CHARS) throw corrupt('larger than the limit')
    let root: unknown
    try {
      root = JSON.parse(text)
    } catch (err) {
      throw corrupt('not valid JSON', err)
    }
    if (typeof root !== 'object' || root === null || Array.isArray(root)) {
      throw corrupt('not a JSON object')
    }
    return new CacheDocument(root as Root)
  }

  /** Home account ids of every account in the file, in the file's order. */
  homeAccountIds(): string[] {
    const ids = new Set<string>()
    for (const entity of Object.values(this.#section('Account'))) {
      const id = homeOf(entity)
      if (id) ids.add(id)
    }
    return [...ids]
  }

  /** The entities of one account (and every app's metadata) as a partition. */
  partition(homeAccountId: string, clock?: () => number): Partition {
    const json: Record<string, Section> = {}
    for (const name of ACCOUNT_SECTIONS) {
      json[name] = Object.fromEntries(
        Object.entries(this.#section(name)).filter(([, e]) => sameHome(e, homeAccountId)),
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
   * The file's text with the account replaced by `partition`'s entities, or removed when
   * `partition` is `undefined`.
   */
  withAccount(homeAccountId: string, partition: Partition | undefined): string {
    const root: Root = { ...this.#root }
    for (const name of ACCOUNT_SECTIONS) {
      const kept: Section = Object.create(null)
      for (const [key, e] of Object.entries(this.#section(name))) {
        if (!sameHome(e, homeAccountId)) kept[key] = e
      }
      root[name] = kept
    }
    root.AppMetadata = { ...this.#section('AppMetadata') }
    if (partition !== undefined) {
      const theirs = partition.toJSON() as unknown as Record<string, Section>
      for (const name of [...ACCOUNT_SECTIONS, 'AppMetadata'] as const) {
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

  #section(name: string): Section {
    const value = this.#root[name]
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Section)
      : {}
  }
}

function homeOf(entity: unknown): string | undefined {
  if (typeof entity !== 'object' || entity === null) return undefined
  const id = (entity as { home_account_id?: unknown }).home_account_id
  return typeof id === 'string' && id !== '' ? id : undefined
}

function sameHome(entity: unknown, homeAccountId: string): boolean {
  return homeOf(entity)?.toLowerCase() === homeAccountId.toLowerCase()
}
