import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { readSecret } from './secrets.js';

const fileWith = (text: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'tw-secret-')), 'secret');
  writeFileSync(path, text, { mode: 0o600 });
  return path;
};

describe('secrets from the environment or <NAME>_FILE', () => {
  it('reads NAME, or the file NAME_FILE names without its trailing newline', () => {
    expect(readSecret({ TOKEN: 'plain' }, 'TOKEN')).toBe('plain');
    expect(readSecret({ TOKEN_FILE: fileWith('from-a-file\n') }, 'TOKEN')).toBe('from-a-file');
    expect(readSecret({ TOKEN_FILE: fileWith('crlf\r\n') }, 'TOKEN')).toBe('crlf');
    // Only one newline is the editor's; the rest is the secret's.
    expect(readSecret({ TOKEN_FILE: fileWith(' spaced \n\n') }, 'TOKEN')).toBe(' spaced \n');
    expect(readSecret({}, 'TOKEN')).toBeUndefined();
  });

  it('refuses both set, and an unreadable file, naming the variable but never a value', () => {
    expect(() => readSecret({ TOKEN: 'x', TOKEN_FILE: fileWith('y') }, 'TOKEN')).toThrow(
      'TOKEN and TOKEN_FILE are both set; set one of them',
    );
    expect(() => readSecret({ TOKEN_FILE: '/nonexistent/secret' }, 'TOKEN')).toThrow(
      /TOKEN_FILE=\/nonexistent\/secret: .*ENOENT/,
    );
  });

  it('loadConfig takes CLICKHOUSE_PASSWORD_FILE, and never echoes the password in an error', () => {
    expect(
      loadConfig({ CLICKHOUSE_PASSWORD_FILE: fileWith('hunter2-from-file\n') }).CLICKHOUSE_PASSWORD,
    ).toBe('hunter2-from-file');
    let message = '';
    try {
      loadConfig({ CLICKHOUSE_PASSWORD: 'hunter2-secret', CLICKHOUSE_DATABASE: 'bad name' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('CLICKHOUSE_DATABASE="bad name"');
    expect(message).not.toContain('hunter2');
  });
});
