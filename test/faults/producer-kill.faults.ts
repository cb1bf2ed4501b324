import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../lib/time.js';
import { freePort } from '../../stack/kafka/broker.js';
import { aLogin } from '../engine-user-builders.js';
import {
  COLLECTOR_KEY,
  type CollectorProcess,
  startCollectorProcess,
  writeCollectorKeys,
} from './collector-process.js';
import type { FaultStack } from './fault-stack.js';
import { expectExactlyCounted, recordIngestCase, startIngestStack } from './ingest-case.js';
import { checkIngest, recoveredAfter } from './ingest-check.js';
import { FAULT_ACCOUNTS, Ledger } from './steady-load.js';

const BATCH = 50;
const CLIENTS = 4;

/**
 * HTTP clients of the collector, as the auth service or the wallet would be: a batch is
 * acknowledged by a 200 (the collector answers only once Kafka has acknowledged it); a
 * batch whose request failed is retried with the same event_ids, so a batch that reached
 * Kafka before the collector died is sent twice.
 */
function startClients(url: () => string, ledger: Ledger) {
  let stopping = false;
  let inFlight = 0;
  let acked = 0;
  const retries: ReturnType<typeof aLogin>[][] = [];
  const post = async (events: ReturnType<typeof aLogin>[]) => {
    inFlight += 1;
    try {
      const res = await fetch(`${url()}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${COLLECTOR_KEY}` },
        body: JSON.stringify({ events }),
      });
      await res.text();
      return res.status === 200;
    } catch {
      return false;
    } finally {
      inFlight -= 1;
    }
  };
  const client = async (n: number) => {
    while (!stopping || retries.length > 0) {
      const retry = retries.shift();
      const events =
        retry ??
        Array.from({ length: BATCH }, (_, i) =>
          aLogin({ account_id: FAULT_ACCOUNTS[(n + i) % FAULT_ACCOUNTS.length] as string }),
        );
      ledger.tried(events.map((e) => e.event_id));
      if (await post(events)) {
        ledger.acked(events.map((e) => e.event_id));
        acked += 1;
      } else {
        ledger.failedSends += 1;
        retries.push(events);
        await sleep(200);
      }
    }
  };
  const running = Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
  return {
    inFlight: () => inFlight,
    acked: () => acked,
    stop: async () => {
      stopping = true;
      await running;
    },
  };
}

describe('fault: a producer process (the collector) is SIGKILLed with batches in flight', () => {
  let stack: FaultStack;
  let collector: CollectorProcess | undefined;
  let start: () => Promise<CollectorProcess>;
  beforeAll(async () => {
    stack = await startIngestStack('producer', ['user.logins']);
    const keysFile = writeCollectorKeys(stack.dir);
    const port = await freePort();
    start = () =>
      startCollectorProcess({ env: stack.env, keysFile, port, logFile: join(stack.dir, 'collector.log') });
  });
  afterAll(async () => {
    await collector?.stop();
    await stack?.stop();
  });

  it('every batch the collector acknowledged is stored once; retried batches are counted once', async () => {
    let running = await start();
    collector = running;
    const logins = new Ledger();
    const clients = startClients(() => running.url, logins);
    const ackedBy = (n: number) =>
      waitFor(`${n} acknowledged batches`, async () => (clients.acked() >= n ? true : undefined), {
        timeoutMs: 120_000,
        intervalMs: 20,
      });
    await ackedBy(20);
    // Mid-batch: wait for a moment when requests are inside the collector, then kill it.
    await waitFor('requests in flight', async () => (clients.inFlight() >= 2 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 1,
    });
    const inFlightAtKill = clients.inFlight();
    await running.kill();
    await sleep(2_000);
    const restarted = Date.now();
    running = await start();
    collector = running;
    await ackedBy(clients.acked() + CLIENTS);
    const recoveryMs = await recoveredAfter(stack.clickhouse, { logins }, restarted);
    await ackedBy(clients.acked() + 10);
    await clients.stop();
    const outcome = await checkIngest(stack.clickhouse, 'logins', logins);
    recordIngestCase('c. producer (collector) SIGKILL mid-batch', { logins: outcome }, recoveryMs, {
      failedSends: logins.failedSends,
      note: `${inFlightAtKill} requests in flight at the kill, failed batches retried with the same ids`,
    });
    expect(inFlightAtKill).toBeGreaterThan(0);
    expectExactlyCounted(outcome);
    // Clients retried until every batch was acknowledged.
    expect(outcome.acknowledged).toBe(outcome.sent);
  });
});
