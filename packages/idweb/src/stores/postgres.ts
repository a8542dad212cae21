/**
 * The PostgreSQL token cache store (`idweb/postgres`), for code that builds it itself rather than
 * by URL (`Idweb.TokenCache.Store = postgres://…`). Needs the optional peer `pg`, whose types are
 * part of this entry point's.
 *
 * @packageDocumentation
 */
export { type ConnectPostgresOptions, connectPostgresStore } from '../cache/stores/postgres.ts'
