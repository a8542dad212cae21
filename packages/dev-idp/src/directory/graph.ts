import type { AppRole } from './types.ts'

/** Microsoft Graph as a resource of the development provider. */
export const graphResource = {
  /** Microsoft Graph's well-known application id. */
  appId: '00000003-0000-0000-c000-000000000000',
  /** Its identifier URI, the audience of Graph tokens. */
  identifier: 'https://graph.microsoft.com',
  /** The name the consent page shows. */
  displayName: 'Microsoft Graph',
  /** The delegated scopes it exposes, with the consent page's description of each. */
  scopes: {
    'User.Read': 'Sign you in and read your profile',
    'User.ReadBasic.All': "Read all users' basic profiles",
    'Mail.Read': 'Read your mail',
  } as Record<string, string>,
  /** The app roles (application permissions) it defines. */
  appRoles: [
    {
      /** The value in the `roles` claim of app tokens for Graph. */
      value: 'User.Read.All',
      /** The description the consent page shows. */
      displayName: "Read all users' full profiles",
    },
    { value: 'Mail.Read', displayName: 'Read mail in all mailboxes' },
  ] satisfies AppRole[],
} as const
