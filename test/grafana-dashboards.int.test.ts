import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboards, datasource, expandVariables, files, queryPanels, root } from './grafana-panels.js';
import { type Pipeline, startPipeline } from './pipeline-fixture.js';

/**
 * Grafana dashboards (grafana/dashboards/*.json), checked without Grafana: each is dashboard
 * JSON of the expected shape, and every panel's and variable's SQL, with Grafana's macros
 * and variables expanded as the ClickHouse plugin expands them, runs against the real
 * schema (all migrations applied in the embedded engine) and returns the columns the panel
 * names and the shape its visualisation needs.
 */

/** The ClickHouse plugin's macros (the frontend's variables first), for a one-hour range. */
function expand(sql: string, fromS = 1_767_225_600, toS = 1_767_229_200): string {
  return expandVariables(sql)
    .replace(
      /\$__timeFilter\(([^)]+)\)/g,
      (_, c) => `${c} >= toDateTime(${fromS}) AND ${c} <= toDateTime(${toS})`,
    )
    .replace(
      /\$__timeInterval\(([^)]+)\)/g,
      (_, c) => `toStartOfInterval(toDateTime(${c}), INTERVAL 60 second)`,
    )
    .replace(/\$__fromTime/g, `toDateTime(${fromS})`)
    .replace(/\$__toTime/g, `toDateTime(${toS})`)
    .replace(/\$__interval_s/g, '60');
}

describe('Grafana dashboards', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline();
  });

  afterAll(async () => {
    await pipeline?.close();
  });

  it('are the six dashboards, and the notifier links to the Alerts one', () => {
    expect(files.sort()).toEqual(
      [
        'alerts.json',
        'derivatives.json',
        'market-health.json',
        'ops-overview.json',
        'token-risk.json',
        'user-risk.json',
      ].sort(),
    );
    expect(dashboards.get('alerts.json')?.uid).toBe('tradewatch-alerts');
    const routing = JSON.parse(readFileSync(join(root, 'alerting/alerting.example.json'), 'utf8'));
    expect(routing.grafana_url).toMatch(/\/d\/tradewatch-alerts$/);
  });

  it('are dashboard JSON: uid, title, panels on the grid, each reading the provisioned datasource', () => {
    const uids = new Set<string>();
    for (const [file, d] of dashboards) {
      expect(d.uid, file).toMatch(/^[a-z0-9-]{1,40}$/);
      expect(uids.has(d.uid), `${file}: duplicate uid`).toBe(false);
      uids.add(d.uid);
      expect(d.title, file).toBeTruthy();
      expect(d.schemaVersion, file).toBeGreaterThanOrEqual(36);
      const ids = new Set<number>();
      for (const panel of d.panels) {
        expect(ids.has(panel.id), `${file}: duplicate panel id ${panel.id}`).toBe(false);
        ids.add(panel.id);
        expect(panel.gridPos.x + panel.gridPos.w, `${file}: ${panel.title}`).toBeLessThanOrEqual(24);
      }
      for (const panel of queryPanels(d)) {
        const where = `${file}: ${panel.title}`;
        expect(['timeseries', 'table', 'stat'], where).toContain(panel.type);
        expect(panel.description, where).toBeTruthy();
        expect(panel.datasource, where).toEqual({ type: datasource.type, uid: datasource.uid });
        expect(panel.targets?.length, where).toBeGreaterThan(0);
        for (const t of panel.targets ?? []) {
          expect(t.datasource, where).toEqual(panel.datasource);
          expect(t.rawSql, where).toMatch(/\bFROM\b/);
          expect(t.queryType, where).toBe(panel.type === 'timeseries' ? 'timeseries' : 'table');
        }
      }
    }
  });

  it('define every variable their SQL uses', () => {
    for (const [file, d] of dashboards) {
      const defined = new Set(d.templating.list.map((v) => v.name));
      const sqls = [
        ...queryPanels(d)
          .flatMap((p) => p.targets ?? [])
          .map((t) => t.rawSql),
        ...d.templating.list.map((v) => v.query),
      ];
      for (const sql of sqls) {
        for (const m of sql.matchAll(/\$\{(\w+)(?::\w+)?\}/g))
          expect(defined, `${file}: $${m[1]}`).toContain(m[1]);
      }
    }
  });

  it('run every variable query against the real schema', async () => {
    for (const [file, d] of dashboards) {
      for (const v of d.templating.list.filter((x) => x.type === 'query')) {
        const result = await pipeline.clickhouse.query({ query: expand(v.query), format: 'JSON' });
        const { meta } = (await result.json()) as { meta: Array<{ name: string }> };
        expect(meta.length, `${file}: variable ${v.name}`).toBe(1);
      }
    }
  });

  for (const [file, d] of dashboards) {
    it(`${file}: every panel's SQL runs and returns the columns the panel expects`, async () => {
      for (const panel of queryPanels(d)) {
        for (const target of panel.targets ?? []) {
          const where = `${file}: ${panel.title}`;
          let meta: Array<{ name: string; type: string }>;
          try {
            const result = await pipeline.clickhouse.query({ query: expand(target.rawSql), format: 'JSON' });
            meta = ((await result.json()) as { meta: Array<{ name: string; type: string }> }).meta;
          } catch (err) {
            throw new Error(`${where}: ${err instanceof Error ? err.message : String(err)}`);
          }
          const columns = meta.map((m) => m.name);
          for (const o of panel.fieldConfig?.overrides ?? []) {
            if (o.matcher.id === 'byName')
              expect(columns, `${where} names ${o.matcher.options}`).toContain(o.matcher.options);
          }
          const numeric = meta.filter((m) => /Int|Float|Decimal/.test(m.type));
          if (panel.type !== 'table') expect(numeric.length, `${where}: a numeric column`).toBeGreaterThan(0);
          if (panel.type === 'timeseries') {
            // Long format: time first, then labels, then values; the plugin pivots by the labels.
            expect(meta[0]?.name, where).toBe('t');
            expect(meta[0]?.type, where).toMatch(/^DateTime/);
          }
        }
      }
    });
  }
});
