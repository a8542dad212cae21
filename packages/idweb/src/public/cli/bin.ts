import { main } from './main.ts'
import { processIo } from './output.ts'

// The `idweb` command's entry point: nothing but the process around main().
process.exitCode = await main(process.argv.slice(2), processIo())
