// idweb runs on Node beside the app, not inside its bundle: it keeps one token cache and one
// set of sessions per process, and loads its optional peers (Redis, PostgreSQL...) at run time.
// The edge middleware bundles idweb/next/edge, which needs no Node built-in.
/** @type {import('next').NextConfig} */
export default {
  serverExternalPackages: ['idweb'],
  poweredByHeader: false,
  // A build inside the repository traces files from the monorepo root, where node_modules is.
  outputFileTracingRoot: new URL('../..', import.meta.url).pathname,
  turbopack: { root: new URL('../..', import.meta.url).pathname },
}
