import { brokerTopics } from '../../lib/contracts/topics.js';
import { topicsFor } from '../../lib/kafka/topics.js';
import { type ClusterSchema, renderCluster } from './render.js';

/** Every topic's partitions, `.dlq` twins included, by unprefixed name: what the Kafka tables read. */
export const topicPartitions = (): Map<string, number> =>
  new Map(topicsFor('', brokerTopics).map((t) => [t.name, t.partitions]));

export const renderClusterFrom = (schema: readonly string[]): ClusterSchema =>
  renderCluster(schema, topicPartitions());

export const clusterSchemaText = (cluster: ClusterSchema): string =>
  `-- The cluster variant of the warehouse (clickhouse/cluster/render.ts), rendered from the schema\n` +
  `-- the migrations build on a fresh single node. \`npm run migrate\` with CLICKHOUSE_LAYOUT=cluster\n` +
  `-- renders and applies it the same way.\n\n${cluster.statements.join(';\n\n')};\n`;
