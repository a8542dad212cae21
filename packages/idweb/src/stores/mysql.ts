/**
 * The MySQL/MariaDB token cache store (`idweb/mysql`), for code that builds it itself rather than
 * by URL (`Idweb.TokenCache.Store = mysql://…`). Needs the optional peer `mysql2`, whose types
 * are part of this entry point's.
 *
 * @packageDocumentation
 */
export { type ConnectMysqlOptions, connectMysqlStore } from '../cache/stores/mysql.ts'
