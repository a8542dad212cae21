import type { Adapter, AdapterPayload } from 'oidc-provider'

interface Entry {
  payload: AdapterPayload
  expiresAt: number | undefined
}

/** Models whose ids are handed to clients and may come back through `/common` or `/organizations`. */
const TRACKED = new Set(['AuthorizationCode', 'RefreshToken', 'DeviceCode'])

/**
 * The in-memory storage of every tenant's provider. Keys are namespaced by tenant, and the store
 * remembers which tenant issued each code, refresh token and device code so that a token request
 * sent to `/common/oauth2/v2.0/token` reaches the tenant that can redeem it.
 */
export class ArtifactStore {
  readonly #entries = new Map<string, Entry>()
  readonly #issuer = new Map<string, string>()
  /** Secondary indexes (grant id, user code, uid) → entry keys. */
  readonly #indexes = new Map<string, Set<string>>()
  #writes = 0

  /** The tenant that issued an artifact (code, refresh token, device code), if known. */
  tenantOf(artifact: string): string | undefined {
    return this.#issuer.get(artifact)
  }

  /**
   * Marks an artifact consumed if it is not yet: synchronous, so of two concurrent redemptions of
   * one refresh token exactly one wins. Returns whether this call consumed it.
   */
  claim(tenantId: string, model: string, id: string): boolean {
    const entry = this.#entries.get(`${tenantId}:${model}:${id}`)
    if (!entry || entry.payload.consumed) return false
    entry.payload.consumed = Math.floor(Date.now() / 1000)
    return true
  }

  /** An oidc-provider adapter class bound to one tenant. */
  adapterFor(tenantId: string): new (name: string) => Adapter {
    const store = this
    return class TenantAdapter implements Adapter {
      readonly #name: string

      constructor(name: string) {
        this.#name = name
      }

      #key(id: string): string {
        return `${tenantId}:${this.#name}:${id}`
      }

      async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
        store.#set(this.#key(id), payload, expiresIn)
        if (TRACKED.has(this.#name)) store.#issuer.set(id, tenantId)
        if (payload.grantId) store.#index(`${tenantId}:grant:${payload.grantId}`, this.#key(id))
        if (payload.userCode)
          store.#index(`${tenantId}:userCode:${payload.userCode}`, this.#key(id))
        if (payload.uid) store.#index(`${tenantId}:uid:${payload.uid}`, this.#key(id))
      }

      async find(id: string): Promise<AdapterPayload | undefined> {
        return store.#get(this.#key(id))
      }

      async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
        return store.#lookup(`${tenantId}:userCode:${userCode}`)
      }

      async findByUid(uid: string): Promise<AdapterPayload | undefined> {
        return store.#lookup(`${tenantId}:uid:${uid}`)
      }

      async consume(id: string): Promise<void> {
        const entry = store.#entries.get(this.#key(id))
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000)
      }

      async destroy(id: string): Promise<void> {
        store.#entries.delete(this.#key(id))
      }

      async revokeByGrantId(grantId: string): Promise<void> {
        const indexKey = `${tenantId}:grant:${grantId}`
        for (const key of store.#indexes.get(indexKey) ?? []) store.#entries.delete(key)
        store.#indexes.delete(indexKey)
      }
    }
  }

  #set(key: string, payload: AdapterPayload, expiresIn: number | undefined): void {
    this.#entries.set(key, {
      payload: structuredClone(payload),
      expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined,
    })
    this.#writes += 1
    if (this.#writes % 500 === 0) this.#sweep()
  }

  #get(key: string): AdapterPayload | undefined {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.#entries.delete(key)
      return undefined
    }
    return structuredClone(entry.payload)
  }

  #index(indexKey: string, key: string): void {
    const keys = this.#indexes.get(indexKey) ?? new Set<string>()
    keys.add(key)
    this.#indexes.set(indexKey, keys)
  }

  #lookup(indexKey: string): AdapterPayload | undefined {
    for (const key of [...(this.#indexes.get(indexKey) ?? [])].reverse()) {
      const found = this.#get(key)
      if (found) return found
    }
    return undefined
  }

  #sweep(): void {
    const now = Date.now()
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.#entries.delete(key)
    }
    for (const [indexKey, keys] of this.#indexes) {
      for (const key of keys) if (!this.#entries.has(key)) keys.delete(key)
      if (keys.size === 0) this.#indexes.delete(indexKey)
    }
  }
}
