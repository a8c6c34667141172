#!/usr/bin/env node
// Entry point of the runner agent: runs the TypeScript sources through tsx, so the
// package works from a checkout with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../runner-agent/cli.ts');
process.exitCode = await main(process.argv.slice(2));
