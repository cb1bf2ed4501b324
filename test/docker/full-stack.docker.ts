import type { StartedDockerComposeEnvironment } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeEnvFile, noDockerEngine } from '../docker-engine.js';
import { composeFiles } from '../full-stack-model.js';
import { dashboards, datasource, expandVariables, queryPanels, root } from '../grafana-panels.js';

/**
 * `make test-docker`: the Docker full stack as `make start` runs it (offline producers, so
 * no venue on the internet is needed once the images and the Grafana plugin are there),
 * started by testcontainers' Compose support from the repository's own compose files.
 * Waits for every health check, runs every Grafana panel's SQL through Grafana's own
 * /api/ds/query (the provisioned datasource, i.e. as the ClickHouse `grafana` user with its
 * profile, constraints and quota), and follows one alert from the simulator's planted
 * scenario through the rules to the notifier's delivery log. Skipped, saying why, when no
 * Docker engine answers.
 */

const skipReason = noDockerEngine();
if (skipReason)
  console.warn(
    `make test-docker: SKIPPED, no Docker engine is reachable (${skipReason}). It needs Docker Engine with the Compose plugin and the internet for images and the Grafana plugin.`,
  );

const INFRA = ['kafka', 'clickhouse', 'otel-collector', 'grafana', 'mongo', 'hyperdx'];
const APPS = ['market-sample', 'simulator', 'notifier'];

describe.skipIf(skipReason !== undefined)('Docker full stack (make start)', () => {
  let stack: StartedDockerComposeEnvironment | undefined;
  let grafana: string;
  let auth: string;

  beforeAll(async () => {
    const env = await composeEnvFile();
    grafana = `http://127.0.0.1:${env.vars.get('GRAFANA_HOST_PORT')}`;
    auth = `Basic ${Buffer.from(`admin:${env.vars.get('GRAFANA_ADMIN_PASSWORD')}`).toString('base64')}`;
    // Loaded only with an engine: testcontainers 12 needs Node ≥ 22.19 (the project's is 24).
    const { DockerComposeEnvironment, Wait } = await import('testcontainers');
    stack = await new DockerComposeEnvironment(root, composeFiles)
      .withEnvironmentFile(env.path)
      .withProfiles('offline')
      .withBuild()
      // Every long-running service has a health check; the one-shot ones (topics,
      // migrations) must have exited 0 before the apps start (depends_on).
      .withDefaultWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(20 * 60_000)
      .up([...INFRA, ...APPS]);
  }, 30 * 60_000);

  afterAll(async () => {
    await stack?.down({ removeVolumes: true });
  }, 5 * 60_000);

  async function query(rawSql: string, format = 1) {
    const response = await fetch(`${grafana}/api/ds/query`, {
      method: 'POST',
      headers: { Authorization: auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        from: 'now-6h',
        to: 'now',
        queries: [
          {
            refId: 'A',
            datasource: { uid: datasource.uid, type: datasource.type },
            editorType: 'sql',
            format,
            // $__interval_s is one of Grafana's frontend variables; the plugin expands the rest.
            rawSql: expandVariables(rawSql).replace(/\$__interval_s/g, '60'),
          },
        ],
      }),
    });
    const body = (await response.json()) as {
      results?: {
        A?: { status?: number; error?: string; frames?: Array<{ data?: { values?: unknown[][] } }> };
      };
    };
    return { status: response.status, result: body.results?.A };
  }

  it('is healthy: every service started, and Grafana answers as its configured public URL', async () => {
    for (const service of [...INFRA, ...APPS])
      expect(stack?.getContainer(`${service}-1`), service).toBeDefined();
    const health = await fetch(`${grafana}/api/health`);
    expect(health.status).toBe(200);
  });

  it(
    "runs every panel's and variable's query through Grafana's datasource as the grafana user",
    async () => {
      let count = 0;
      for (const [file, dashboard] of dashboards) {
        const sqls = [
          ...dashboard.templating.list
            .filter((v) => v.type === 'query')
            .map((v) => [v.name, v.query, 1] as const),
          ...queryPanels(dashboard).flatMap((p) =>
            (p.targets ?? []).map((t) => [p.title, t.rawSql, t.format] as const),
          ),
        ];
        for (const [title, sql, format] of sqls) {
          const { status, result } = await query(sql, format);
          expect({ status, error: result?.error }, `${file}: ${title}`).toEqual({
            status: 200,
            error: undefined,
          });
          expect(result?.frames?.length, `${file}: ${title} frames`).toBeGreaterThan(0);
          count++;
        }
      }
      expect(count).toBeGreaterThan(30);
    },
    10 * 60_000,
  );

  it(
    'takes a planted scenario to an alert and the alert to the notifier’s delivery log',
    async () => {
      const deadline = Date.now() + 10 * 60_000;
      let delivered: unknown[] = [];
      while (Date.now() < deadline && delivered.length === 0) {
        const { result } = await query(
          `SELECT a.rule_id, d.outcome FROM alerts AS a
         INNER JOIN alert_deliveries AS d ON d.fingerprint = a.fingerprint
         WHERE d.outcome = 'dry_run' LIMIT 1`,
        );
        delivered = (result?.frames?.[0]?.data?.values?.[0] as unknown[] | undefined) ?? [];
        if (delivered.length === 0) await new Promise((r) => setTimeout(r, 10_000));
      }
      expect(delivered.length, 'an alert delivered (dry run) within 10 minutes').toBeGreaterThan(0);
    },
    12 * 60_000,
  );
});
