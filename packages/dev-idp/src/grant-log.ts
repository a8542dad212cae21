/** One successful token grant. */
export interface GrantEvent {
  /** `authorization_code`, `refresh_token`, `client_credentials`, `urn:ietf:params:oauth:grant-type:jwt-bearer`, `urn:ietf:params:oauth:grant-type:device_code` */
  grantType: string
  /** The client the tokens were issued to. */
  clientId: string
  /** The tenant the tokens were issued in. */
  tenantId: string
  /** Epoch milliseconds. */
  at: number
}

/** The successful grants a provider answered, so tests can assert "exactly one refresh". */
export class GrantLog {
  readonly #events: GrantEvent[] = []

  /** Adds one grant; the provider calls it, tests read the log. */
  record(event: GrantEvent): void {
    this.#events.push(event)
  }

  /** All events, oldest first (a copy). */
  events(): GrantEvent[] {
    return [...this.#events]
  }

  /** How many grants of a type succeeded (all types when omitted). */
  count(grantType?: string): number {
    return grantType === undefined
      ? this.#events.length
      : this.#events.filter((e) => e.grantType === grantType).length
  }

  /** Forgets every event (between test cases). */
  reset(): void {
    this.#events.length = 0
  }
}
