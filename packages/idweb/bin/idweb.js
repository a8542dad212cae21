#!/usr/bin/env node
// The `idweb` command, as installed: the compiled CLI.
try {
  await import('../dist/public/cli/bin.js')
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('cli/bin.js')) throw err
  console.error(
    'idweb is not built in this checkout: run `npm run build`, or `npm run idweb -- <command>` to run it from source.',
  )
  process.exitCode = 1
}
