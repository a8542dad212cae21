// Express 4, installed under the alias `express4` (a root devDependency) so the adapter can be
// tested on it next to Express 5. The adapter uses only what both versions share, so Express 5's
// types describe it well enough for these tests.
declare module 'express4' {
  export { default } from 'express'
}
