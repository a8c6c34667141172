#!/usr/bin/env node
// Entry point of the CLI: runs the TypeScript sources through tsx, so the package
// works from a checkout with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
