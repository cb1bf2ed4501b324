import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * otel-collector/config.yaml, parsed and checked the way the collector checks it at start
 * (every component a pipeline names is defined; every defined one is used), and against
 * the stack around it: services send OTLP/HTTP where it listens, and it writes the tables
 * HyperDX is provisioned to read, as a user allowed to. (Not run through a collector
 * binary: building otelcol-contrib from Go modules is beyond this machine's budget.)
 */

const root = resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

type Components = Record<string, Record<string, unknown> | null>;
interface CollectorConfig {
  extensions?: Components;
  receivers: Components;
  processors?: Components;
  exporters: Components;
  service: {
    extensions?: string[];
    pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }>;
  };
}

const config = parse(read('otel-collector/config.yaml')) as CollectorConfig;

describe('otel-collector config', () => {
  it('defines every component a pipeline uses, and uses every one it defines', () => {
    const used = {
      receivers: new Set<string>(),
      processors: new Set<string>(),
      exporters: new Set<string>(),
    };
    for (const [name, pipeline] of Object.entries(config.service.pipelines)) {
      expect(name).toMatch(/^(traces|logs|metrics)(\/[\w-]+)?$/);
      expect(pipeline.receivers.length, name).toBeGreaterThan(0);
      expect(pipeline.exporters.length, name).toBeGreaterThan(0);
      for (const kind of ['receivers', 'processors', 'exporters'] as const) {
        for (const id of pipeline[kind] ?? []) {
          expect(config[kind] ?? {}, `${name}.${kind}`).toHaveProperty([id]);
          used[kind].add(id);
        }
      }
      // memory_limiter must come first to protect everything after it.
      if (pipeline.processors?.includes('memory_limiter'))
        expect(pipeline.processors[0]).toBe('memory_limiter');
    }
    for (const kind of ['receivers', 'processors', 'exporters'] as const) {
      expect(Object.keys(config[kind] ?? {}).sort(), kind).toEqual([...used[kind]].sort());
    }
    expect(Object.keys(config.extensions ?? {}).sort()).toEqual(
      [...(config.service.extensions ?? [])].sort(),
    );
  });

  it('receives traces and logs over OTLP/HTTP on the port the services send to', () => {
    expect(Object.keys(config.service.pipelines).sort()).toEqual(['logs', 'traces']);
    const http = (config.receivers.otlp as { protocols: { http: { endpoint: string } } }).protocols.http;
    expect(http.endpoint).toBe('0.0.0.0:4318');
    expect(read('docker-compose.apps.yml')).toContain(
      'OTEL_EXPORTER_OTLP_ENDPOINT: http://otel-collector:4318',
    );
  });

  it('writes the tables HyperDX reads, as the otel user, with the password from a secrets file', () => {
    const exporter = config.exporters.clickhouse as Record<string, string>;
    expect(exporter.username).toBe('otel');
    // The collector's ${file:…} provider reads the Docker secret: the password is never in
    // this file nor in the container's environment.
    expect(exporter.password).toMatch(/^\$\{file:\/run\/secrets\/clickhouse_otel_password\}$/);
    const compose = read('docker-compose.observability.yml');
    expect(compose).toMatch(/otel-collector:[\s\S]*secrets:\s*\n\s*#[^\n]*\n\s*- clickhouse_otel_password/);
    for (const table of [exporter.logs_table_name, exporter.traces_table_name]) {
      expect(compose).toContain(`"databaseName":"${exporter.database}","tableName":"${table}"`);
    }
    const users = read('clickhouse/server/users.d/tradewatch.xml');
    expect(users).toContain(`GRANT ALL ON ${exporter.database}.*`);
    expect(users).toMatch(
      new RegExp(`<hyperdx>[\\s\\S]*GRANT SELECT ON ${exporter.database}\\.\\*[\\s\\S]*</hyperdx>`),
    );
  });
});
