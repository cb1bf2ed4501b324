import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINE_ARGS, KAFKA_CONSUMER_CONFIG } from './embedded.js';

const root = join(import.meta.dirname, '..', '..');

describe('Kafka engine consumer settings', () => {
  it('are the same for the embedded engine and the Docker server, which mounts them', () => {
    const xml = readFileSync(join(root, 'clickhouse/server/config.d/kafka.xml'), 'utf8');
    const section = /<kafka>([\s\S]*?)<\/kafka>/.exec(xml)?.[1] ?? '';
    const fromXml = Object.fromEntries(
      [...section.matchAll(/<([a-z_]+)>(\d+)<\/\1>/g)].map((m) => [m[1], Number(m[2])]),
    );
    expect(fromXml).toEqual(KAFKA_CONSUMER_CONFIG);
    for (const [key, value] of Object.entries(KAFKA_CONSUMER_CONFIG))
      expect(ENGINE_ARGS).toContain(`--kafka.${key}=${value}`);
    const compose = readFileSync(join(root, 'docker-compose.clickhouse.yml'), 'utf8');
    expect(compose).toContain(
      './clickhouse/server/config.d/kafka.xml:/etc/clickhouse-server/config.d/kafka.xml:ro',
    );
  });
});
