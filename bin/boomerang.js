#!/usr/bin/env node
// The `boomerang` command: runs the TypeScript CLI through tsx, so there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { main, stopQuietlyWhenOutputCloses } = await import('../src/cli/main.ts');
stopQuietlyWhenOutputCloses();
process.exitCode = await main(process.argv.slice(2));
