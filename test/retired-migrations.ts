import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { loadBaseline, retiredMigrations } from '../lib/clickhouse/baseline.js';
import { migrationFile } from '../lib/clickhouse/migration-files.js';
import { BASELINE_DIR, MIGRATIONS_DIR } from '../lib/clickhouse/platform-migrations.js';

/**
 * The migration files retired from clickhouse/migrations (0001–0140, then 0160–0253: one
 * fixture per `npm run schema:squash -- --retire`), kept only so tests can build a database
 * with the history old deployments have. They are history, not code: the fixtures are checked
 * against the baseline manifest's checksums, so they are byte for byte what those deployments
 * applied.
 */
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const FIXTURE = /^retired-migrations-\d{4}-\d{4}\.json\.gz$/;

export function retiredFiles(): Map<string, string> {
  const files = new Map(
    readdirSync(FIXTURES)
      .filter((f) => FIXTURE.test(f))
      .sort()
      .flatMap((f) =>
        Object.entries(
          JSON.parse(gunzipSync(readFileSync(join(FIXTURES, f))).toString('utf8')) as Record<string, string>,
        ),
      ),
  );
  const retired = retiredMigrations(loadBaseline(BASELINE_DIR));
  const names = retired.map(migrationFile);
  if (names.join() !== [...files.keys()].sort().join())
    throw new Error(
      `${FIXTURES} holds ${[...files.keys()].join(', ')}, the manifest retires ${names.join(', ')}`,
    );
  for (const entry of retired) {
    const sql = files.get(migrationFile(entry)) as string;
    if (createHash('sha256').update(sql).digest('hex') !== entry.checksum)
      throw new Error(`${FIXTURES}: ${migrationFile(entry)} is not the file the manifest names`);
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
    for (const file of readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')))
      cpSync(join(MIGRATIONS_DIR, file), join(dir, file));
}
