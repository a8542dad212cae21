export { COLLEAGUES_SCOPE, createWebApp, type WebApp, type WebAppOptions } from './app.ts'
