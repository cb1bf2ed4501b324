#!/usr/bin/env node
// The `tradewatch` command: runs cli/main.ts through tsx (a production dependency), in
// this process, so signals and exit codes are the CLI's own.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
