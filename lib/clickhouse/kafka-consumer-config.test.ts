import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINE_ARGS, KAFKA_CONSUMER_CONFIG, MEMORY_CONFIG } from './embedded.js';

const root = join(import.meta.dirname, '..', '..');
const compose = readFileSync(join(root, 'docker-compose.clickhouse.yml'), 'utf8');

/** The numeric settings of one config.d file (inside `section` when given). */
function xmlSettings(file: string, section?: string): Record<string, number> {
  const xml = readFileSync(join(root, 'clickhouse/server/config.d', file), 'utf8');
  const body = section ? (new RegExp(`<${section}>([\\s\\S]*?)</${section}>`).exec(xml)?.[1] ?? '') : xml;
  return Object.fromEntries([...body.matchAll(/<([a-z_]+)>(\d+)<\/\1>/g)].map((m) => [m[1], Number(m[2])]));
}

// The embedded engine and the Docker server must run with the same settings: each is given
// once in TypeScript (engine arguments) and once in the XML the server mounts.
describe('server settings shared by the embedded engine and the Docker server', () => {
  it.each([
    ['kafka.xml', 'kafka', KAFKA_CONSUMER_CONFIG, 'kafka.'],
    ['memory.xml', undefined, MEMORY_CONFIG, ''],
  ] as const)('%s equals the engine arguments and is mounted', (file, section, settings, prefix) => {
    expect(xmlSettings(file, section)).toEqual(settings);
    for (const [key, value] of Object.entries(settings))
      expect(ENGINE_ARGS).toContain(`--${prefix}${key}=${value}`);
    expect(compose).toContain(
      `./clickhouse/server/config.d/${file}:/etc/clickhouse-server/config.d/${file}:ro`,
    );
  });
});
