#!/usr/bin/env node
// The `tradewatch` command: runs cli/main.ts through tsx (a production dependency), in
// this process, so signals and exit codes are the CLI's own. Tradewatch needs Node 24: an
// older `node` (run straight from a shell) hands over to the one `make` put in .node/.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const NEEDED = 24;
if (Number(process.versions.node.split('.')[0]) < NEEDED) {
  const projectNode = fileURLToPath(new URL('../.node/bin/node', import.meta.url));
  if (!existsSync(projectNode)) {
    process.stderr.write(
      `tradewatch needs Node ${NEEDED} LTS; this is ${process.version}. Run \`make install\` (it fetches Node ${NEEDED} into .node/) or install Node ${NEEDED} (.nvmrc).\n`,
    );
    process.exit(1);
  }
  const child = spawn(projectNode, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  // A terminal's Ctrl-C reaches the child too (same process group); a SIGTERM sent to this
  // process alone is passed on. Either way the exit status is the child's.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
