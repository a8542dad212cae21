#!/usr/bin/env node
// The `idweb` command, as installed: the compiled CLI.
import '../dist/public/cli/bin.js'
