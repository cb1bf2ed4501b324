import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { loadBaseline, retiredMigrations } from '../lib/clickhouse/baseline.js';
import { migrationFile } from '../lib/clickhouse/migration-files.js';
import { BASELINE_DIR, MIGRATIONS_DIR } from '../lib/clickhouse/platform-migrations.js';

/**
 * The migration files retired from clickhouse/migrations (0001–0140), kept only so tests can
 * build a database with the history old deployments have. They are history, not code: the
 * fixture is checked against the baseline manifest's checksums, so it is byte for byte what
 * those deployments applied.
 */
const FIXTURE = join(
  dirname(fileURLToPath(import.meta.url)),
  'fixtures/retired-migrations-0001-0140.json.gz',
);

export function retiredFiles(): Map<string, string> {
  const files = new Map(
    Object.entries(JSON.parse(gunzipSync(readFileSync(FIXTURE)).toString('utf8')) as Record<string, string>),
  );
  const retired = retiredMigrations(loadBaseline(BASELINE_DIR));
  const names = retired.map(migrationFile);
  if (names.join() !== [...files.keys()].sort().join())
    throw new Error(
      `${FIXTURE} holds ${[...files.keys()].join(', ')}, the manifest retires ${names.join(', ')}`,
    );
  for (const entry of retired) {
    const sql = files.get(migrationFile(entry)) as string;
    if (createHash('sha256').update(sql).digest('hex') !== entry.checksum)
      throw new Error(`${FIXTURE}: ${migrationFile(entry)} is not the file the manifest names`);
  }
  return files;
}

/**
 * Writes the retired files into `dir`, up to version `upTo`, and with `current` the
 * migrations folder's files after them: a folder a database migrates through file by file.
 */
export function writeMigrationHistory(dir: string, options: { upTo?: number; current?: boolean } = {}): void {
  for (const [file, sql] of retiredFiles())
    if (Number(file.slice(0, 4)) <= (options.upTo ?? Number.POSITIVE_INFINITY))
      writeFileSync(join(dir, file), sql);
  if (options.current)
    for (const file of readdirSync(MIGRATIONS_DIR)) cpSync(join(MIGRATIONS_DIR, file), join(dir, file));
}
