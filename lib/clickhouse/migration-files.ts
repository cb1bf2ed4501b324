import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, TradewatchError } from '../errors.js';

/** The numbered SQL files of a migrations folder, as the runner (./migrations.ts) and the baseline (./baseline.ts) read them. */

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;
export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export function loadMigrations(dir: string): Migration[] {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort();
  const seen = new Map<number, string>();
  return files.map((file) => {
    const match = FILE_PATTERN.exec(file);
    if (!match) {
      throw new TradewatchError(
        ErrorCode.MIGRATION_INVALID,
        `migration file ${file}: name must be NNNN_lower_snake.sql (four-digit version, then a name)`,
      );
    }
    const version = Number(match[1]);
    const clash = seen.get(version);
    if (clash) {
      throw new TradewatchError(
        ErrorCode.MIGRATION_INVALID,
        `migration files ${clash} and ${file} share version ${version}`,
      );
    }
    seen.set(version, file);
    const sql = readFileSync(join(dir, file), 'utf8');
    return {
      version,
      name: match[2] as string,
      file,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    };
  });
}

export const migrationFile = (m: { version: number; name: string }): string =>
  `${String(m.version).padStart(4, '0')}_${m.name}.sql`;
