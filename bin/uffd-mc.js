#!/usr/bin/env node
import { exitQuietlyOnEpipe, nodeIo, run } from '../dist/cli/main.js';
exitQuietlyOnEpipe();
process.exitCode = await run(process.argv.slice(2), nodeIo);
