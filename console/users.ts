import { type ClickHouseClient, queryRows } from '../lib/clickhouse/client.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';

/** What each role may do; a role includes everything of the roles before it. */
export const ROLES = ['viewer', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const roleAtLeast = (have: Role, need: Role): boolean => ROLES.indexOf(have) >= ROLES.indexOf(need);

export interface ConsoleUser {
  user_name: string;
  role: Role;
}

const NAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;

export class UserError extends Error {}

/** Console accounts in ClickHouse (console_users, migration 0160). */
export class UserStore {
  constructor(private readonly clickhouse: ClickHouseClient) {}

  /** Creates or replaces an account; the password is stored as its scrypt hash only. */
  async put(u: { user_name: string; role: Role; password: string; created_by: string }): Promise<void> {
    if (!NAME.test(u.user_name))
      throw new UserError(
        `user name "${u.user_name}": 2-64 characters, lower-case letters, digits, ".", "_" or "-"`,
      );
    if (!ROLES.includes(u.role)) throw new UserError(`role "${u.role}": one of ${ROLES.join(', ')}`);
    const problem = passwordProblem(u.password);
    if (problem) throw new UserError(`password for "${u.user_name}": ${problem}`);
    await this.clickhouse.insert({
      table: 'console_users',
      format: 'JSONEachRow',
      values: [
        {
          user_name: u.user_name,
          role: u.role,
          password_hash: await hashPassword(u.password),
          disabled: 0,
          created_by: u.created_by,
        },
      ],
    });
  }

  async disable(userName: string, by: string): Promise<boolean> {
    const [row] = NAME.test(userName) ? await this.#rows(userName) : [];
    if (!row) return false;
    await this.clickhouse.insert({
      table: 'console_users',
      format: 'JSONEachRow',
      values: [{ ...row, disabled: 1, created_by: by }],
    });
    return true;
  }

  /** The account when the name and password match an enabled one; undefined otherwise. */
  async verify(userName: string, password: string): Promise<ConsoleUser | undefined> {
    const [row] = NAME.test(userName) ? await this.#rows(userName) : [];
    // A missing user costs the same scrypt as a wrong password: timing does not tell them apart.
    const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
    if (!row || !ok || Number(row.disabled) === 1) return undefined;
    return { user_name: row.user_name, role: row.role };
  }

  async get(userName: string): Promise<(ConsoleUser & { disabled: boolean }) | undefined> {
    const [row] = NAME.test(userName) ? await this.#rows(userName) : [];
    return row && { user_name: row.user_name, role: row.role, disabled: Number(row.disabled) === 1 };
  }

  async list(): Promise<Array<ConsoleUser & { disabled: boolean }>> {
    const rows = await this.#rows('');
    return rows.map((r) => ({ user_name: r.user_name, role: r.role, disabled: Number(r.disabled) === 1 }));
  }

  /** One user's newest row; every user for ''. */
  #rows(userName: string) {
    return queryRows<{ user_name: string; role: Role; password_hash: string; disabled: number | string }>(
      this.clickhouse,
      `SELECT user_name, toString(role) AS role, password_hash, disabled FROM console_users FINAL
       WHERE {name:String} = '' OR user_name = {name:String} ORDER BY user_name`,
      { name: userName },
    );
  }
}

/** scrypt of a random password: verified against when the user does not exist. */
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
