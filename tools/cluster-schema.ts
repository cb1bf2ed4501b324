/**
 * `npm run schema:cluster [-- <file>]`: prints (or writes to <file>) the cluster variant of
 * the warehouse (clickhouse/cluster/render.ts), rendered from the schema the migrations
 * build on a fresh single node: what `npm run migrate` applies with CLICKHOUSE_LAYOUT=cluster.
 */
import { writeFileSync } from 'node:fs';
import { clusterSchemaText, renderClusterFrom } from '../clickhouse/cluster/cluster-schema.js';
import { createLogger } from '../lib/log.js';
import { migratedSchema } from '../stack/schema-dump.js';

const log = createLogger('schema-cluster', { destination: 2 });
const cluster = renderClusterFrom(await migratedSchema(log, { fromBaseline: true }));
const file = process.argv[2];
if (file) writeFileSync(file, clusterSchemaText(cluster));
else process.stdout.write(clusterSchemaText(cluster));
const count = (p: string) => cluster.objects.filter((o) => o.placement === p).length;
log.info(
  { file, sharded: count('sharded'), singleShard: count('single-shard'), kafka: count('kafka') },
  'cluster schema rendered',
);
