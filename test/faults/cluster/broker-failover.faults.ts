import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '../../../lib/contracts/topics.js';
import { createKafka } from '../../../lib/kafka/client.js';
import { waitFor } from '../../../lib/time.js';
import { type FaultStack, quietKafkaLog } from '../fault-stack.js';
import { expectExactlyCounted, recordIngestCase, startIngestStack } from '../ingest-case.js';
import { checkIngest, recoveredAfter } from '../ingest-check.js';
import { startSteadyLoad } from '../steady-load.js';

/**
 * Three brokers, replication 3, min.insync.replicas 2, producers with acks=all and
 * idempotence. Nothing is restarted but the killed brokers: the producer and the ClickHouse
 * consumers must ride through leader elections on their own.
 */
describe('fault: three brokers; the leader of the busiest partition is SIGKILLed under load, later a second broker', () => {
  let stack: FaultStack;
  beforeAll(async () => {
    stack = await startIngestStack('failover', ['market.trades', 'user.logins'], { brokers: 3 });
  });
  afterAll(async () => stack?.stop());

  it('loses no acknowledged event, shows none twice, and needs no restart of clients', async () => {
    const cluster = stack.cluster;
    if (!cluster) throw new Error('the failover case needs the three-broker stack');
    const admin = createKafka(stack.config, quietKafkaLog).admin();
    await admin.connect();
    const trades = topicName(stack.config.KAFKA_TOPIC_PREFIX, 'market.trades');
    /** The node leading the partition the steady load writes to (one key: one partition). */
    const leaderOfBusiest = async (): Promise<number> => {
      const offsets = await admin.fetchTopicOffsets(trades);
      const busiest = offsets.reduce((a, b) => (BigInt(b.high) > BigInt(a.high) ? b : a));
      const meta = await admin.fetchTopicMetadata({ topics: [trades] });
      const partition = meta.topics[0]?.partitions.find((p) => p.partitionId === busiest.partition);
      if (!partition || partition.leader < 0) throw new Error(`no leader for ${trades}/${busiest.partition}`);
      return partition.leader;
    };
    /** Until every partition of the topic has all three replicas in sync again. */
    const fullyReplicated = () =>
      waitFor(
        'every replica back in sync',
        async () => {
          const meta = await admin.fetchTopicMetadata({ topics: [trades] });
          return meta.topics[0]?.partitions.every((p) => p.isr.length === cluster.size) ? true : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 500 },
      );

    const load = await startSteadyLoad(createKafka(stack.config, quietKafkaLog), stack.config);
    let loadStopped = false;
    try {
      await load.acknowledgedBatches(10);
      const timings: string[] = [];
      let recoveryMs = 0;
      for (const round of ['leader', 'second broker']) {
        const victim = await leaderOfBusiest();
        const killedAt = Date.now();
        await cluster.kill(victim);
        // Writes go on with two of three replicas: the producer sees a leader change, not an outage.
        await load.acknowledgedBatches(1, 120_000);
        const ackMs = Date.now() - killedAt;
        // And the warehouse's consumers keep reading from the survivors, the dead broker still down.
        const storedMs = await recoveredAfter(stack.clickhouse, load, killedAt);
        recoveryMs = Math.max(recoveryMs, storedMs);
        timings.push(
          `${round} (node ${victim}) killed: first write acknowledged ${(ackMs / 1000).toFixed(1)} s after, every acknowledged event stored ${(storedMs / 1000).toFixed(1)} s after`,
        );
        await cluster.restart(victim);
        await fullyReplicated();
      }
      await load.acknowledgedBatches(5);
      await load.stop();
      loadStopped = true;
      await recoveredAfter(stack.clickhouse, load, Date.now());
      const tradesOutcome = await checkIngest(stack.clickhouse, 'trades', load.trades);
      const loginsOutcome = await checkIngest(stack.clickhouse, 'logins', load.logins);
      recordIngestCase(
        'f. 3 brokers: leader, then a second broker SIGKILL',
        { trades: tradesOutcome, logins: loginsOutcome },
        recoveryMs,
        { failedSends: load.trades.failedSends + load.logins.failedSends, note: timings.join('; ') },
      );
      for (const outcome of [tradesOutcome, loginsOutcome]) {
        expectExactlyCounted(outcome);
        expect(outcome.visibleDuplicates).toBe(0);
      }
    } finally {
      if (!loadStopped) await load.stop();
      await admin.disconnect();
    }
  });
});
