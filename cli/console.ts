import { userInfo } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { loadConsoleConfig } from '../console/config.js';
import { randomPassword } from '../console/passwords.js';
import { ROLES, type Role, UserError, UserStore } from '../console/users.js';
import { CliError, ExitCode } from './exit-codes.js';
import { envFromFlags, runScript } from './run-script.js';
import { cliConfig, lazyClickHouse, requireClickHouse } from './services.js';

const print = (line: string) => process.stdout.write(`${line}\n`);

const role = (value: string): Role => {
  if (!(ROLES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`one of ${ROLES.join(', ')}`);
  return value as Role;
};

async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0]?.replace(/\r$/, '') ?? '';
}

/**
 * `tradewatch console`: the web console in the foreground (console/main.ts), and
 * `tradewatch console user add|list|disable` for its accounts (console_users in ClickHouse).
 */
export function consoleCommand(onClose: (close: () => Promise<void>) => void): Command {
  const clickhouse = lazyClickHouse(onClose);
  const users = async () => new UserStore(await clickhouse());
  const cmd = new Command('console')
    .description('the web console: alert queue, detail, actions, entity pages (127.0.0.1:8790) until Ctrl-C')
    .option('--host <host>', 'listen address (CONSOLE_HOST; loopback unless you mean otherwise)')
    .option('--port <port>', 'listen port (CONSOLE_PORT)')
    .action(async (o: { host?: string; port?: string }) => {
      const env = envFromFlags(o, { host: 'CONSOLE_HOST', port: 'CONSOLE_PORT' });
      loadConsoleConfig({ ...process.env, ...env });
      await requireClickHouse(cliConfig());
      await runScript({ what: 'console', script: 'console/main.ts', env });
    });

  const user = cmd.command('user').description('console accounts (passwords are stored as scrypt hashes)');
  user
    .command('add <name>')
    .description('create an account, or replace its role and password; prints a generated password once')
    .option('--role <role>', ROLES.join(', '), role, 'viewer' as Role)
    .option('--password-stdin', 'read the password from the first line of stdin instead of generating one')
    .action(async (name: string, o: { role: Role; passwordStdin?: boolean }) => {
      const password = o.passwordStdin ? await readStdinLine() : randomPassword();
      try {
        await (await users()).put({
          user_name: name,
          role: o.role,
          password,
          created_by: userInfo().username,
        });
      } catch (err) {
        if (err instanceof UserError) throw new CliError(ExitCode.USAGE, err.message);
        throw err;
      }
      print(`console user ${name} (${o.role}) saved`);
      if (!o.passwordStdin) print(`password: ${password}   (shown once; not stored in clear anywhere)`);
    });
  user
    .command('list')
    .description('accounts and roles')
    .action(async () => {
      const list = await (await users()).list();
      for (const u of list) print(`${u.user_name}  ${u.role}${u.disabled ? '  (disabled)' : ''}`);
      if (list.length === 0)
        print('no console users: add one with `tradewatch console user add <name> --role analyst`');
    });
  user
    .command('disable <name>')
    .description('refuse further sign-ins for an account')
    .action(async (name: string) => {
      if (!(await (await users()).disable(name, userInfo().username)))
        throw new CliError(ExitCode.USAGE, `no console user "${name}"`);
      print(`console user ${name} disabled`);
    });
  return cmd;
}
