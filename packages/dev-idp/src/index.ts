export { demo } from './directory/demo.ts'
export { graphResource } from './directory/graph.ts'
export { DirectoryIndex, defaultDirectoryPath, readDirectoryFile } from './directory/index.ts'
export type {
  AppRegistration,
  AppRole,
  AppRoleAssignment,
  Directory,
  GroupMembershipClaims,
  OptionalClaim,
  OptionalClaims,
  PreAuthorizedApplication,
  SignInAudience,
  TenantRecord,
  UserRecord,
} from './directory/types.ts'
export { DevIdpError, type DevIdpErrorCode, devIdpErrorCodes } from './errors.ts'
export { type GrantEvent, GrantLog } from './grant-log.ts'
export type { DevIdpLogEntry, DevIdpLogger, DevIdpTtl, StartDevIdpOptions } from './options.ts'
export { type DevIdp, startDevIdp } from './server.ts'
