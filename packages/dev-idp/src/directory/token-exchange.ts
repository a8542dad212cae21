/**
 * The audience of tokens exchanged through federated identity credentials (Entra's
 * "AzureADTokenExchange" first-party app): a managed identity asks for it, and the app that trusts
 * the identity accepts the token as its client assertion.
 */
export const tokenExchangeResource = {
  /** The well-known application id of Entra's token exchange audience. */
  appId: 'fb60f99c-7a34-4190-8149-302f77469936',
  /** Its identifier URI, the audiences' default in a federated identity credential. */
  identifier: 'api://AzureADTokenExchange',
  /** The name shown in errors. */
  displayName: 'AzureADTokenExchange',
} as const
