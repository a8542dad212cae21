import type { AppRole } from './types.ts'

/** Microsoft Graph as a resource of the development provider. */
export const graphResource = {
  appId: '00000003-0000-0000-c000-000000000000',
  identifier: 'https://graph.microsoft.com',
  displayName: 'Microsoft Graph',
  scopes: {
    'User.Read': 'Sign you in and read your profile',
    'User.ReadBasic.All': "Read all users' basic profiles",
    'Mail.Read': 'Read your mail',
  } as Record<string, string>,
  appRoles: [
    { value: 'User.Read.All', displayName: "Read all users' full profiles" },
    { value: 'Mail.Read', displayName: 'Read mail in all mailboxes' },
  ] satisfies AppRole[],
} as const
