#!/usr/bin/env node
// The `aiphoto` command (`pnpm exec aiphoto …`, `npx aiphoto …`): runs the TypeScript CLI
// through tsx, resolved from this package, so it works from any directory of the checkout.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
await main();
