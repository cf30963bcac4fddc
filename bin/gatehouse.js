#!/usr/bin/env node
// Entry point of the `gatehouse` command. Node >= 22.18 runs the TypeScript sources directly
// (type stripping), so there is no build step between a checkout and a running server.
import { main } from '../src/cli/main.ts';

process.exit(await main(process.argv.slice(2)));
