import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { type ScenarioName, type SimLabel, scenarioNames } from '../../lib/contracts/simulation.js';
import { type TopicKey, topics } from '../../lib/contracts/topics.js';
import { validate } from '../../lib/contracts/validate.js';
import { type SimOutput, Simulation } from './simulation.js';

const START = Date.UTC(2025, 5, 1, 12);
// Every scenario planted 10 s apart, then long enough for the last to finish: marking-the-close
// waits for four 1-minute closes (the run grows with the scenario list).
const GAP_MS = 10_000;
const RUN_MS = 5_000 + scenarioNames.length * GAP_MS + 300_000;

function run(
  seed: number,
  scenarios: readonly ScenarioName[] = scenarioNames,
  untilMs = RUN_MS,
): SimOutput[] {
  const sim = new Simulation({ seed, startMs: START, ratePerSecond: 100 });
  scenarios.forEach((name, i) => {
    sim.inject(name, START + 5_000 + i * GAP_MS);
  });
  const out = sim.until(START + untilMs);
  expect(sim.runningScenarios).toBe(0);
  return out;
}

const hash = (out: unknown) => createHash('sha256').update(JSON.stringify(out)).digest('hex');
const labelsOf = (out: SimOutput[]) => out.flatMap((o) => (o.topic === 'simLabels' ? [o.event] : []));

describe('simulation', () => {
  const first = run(42);

  it('is deterministic: the same seed gives the same events and labels, another seed does not', () => {
    const again = run(42);
    expect(again).toHaveLength(first.length);
    expect(hash(again)).toBe(hash(first));
    expect(hash(labelsOf(again))).toBe(hash(labelsOf(first)));
    expect(hash(run(43))).not.toBe(hash(first));
  });

  it('produces only events its topics accept, in time order, at about the requested rate', () => {
    // Raw messages (consumer-exceptions' CSV lines) are bytes past every contract, not events.
    const raw = first.flatMap((o) => (o.topic === 'raw' ? [o.event] : []));
    const rawMeant = labelsOf(first).reduce(
      (n, l) => n + ((JSON.parse(l.details) as { raw?: number }).raw ?? 0),
      0,
    );
    expect(raw).toHaveLength(rawMeant);
    expect(new Set(raw.map((m) => m.topic))).toEqual(new Set(['partner.fills', 'user.browser']));
    const refused = first.flatMap((o) => {
      if (o.topic === 'raw') return [];
      const result = validate(topics[o.topic as TopicKey].schema as z.ZodType<unknown>, o.event);
      return result.ok ? [] : [`${o.topic}: ${result.reason}`];
    });
    // The pipeline-fault scenarios send events the contracts refuse on purpose (dead-letter-surge's
    // case and its control); their labels say how many and on which topic. Nothing else is refused.
    const meant = labelsOf(first).flatMap((l) => {
      const n = (JSON.parse(l.details) as { refused?: number }).refused ?? 0;
      return Array.from({ length: n }, () => l.entity);
    });
    expect(refused).toHaveLength(meant.length);
    expect(new Set(refused.map((r) => r.split(':')[0]))).toEqual(new Set(['userLogins', 'userFunds']));
    expect(new Set(meant)).toEqual(new Set(['user.logins', 'user.funds']));
    // In the order they are handed over: a held event (ingestion-lag's late batch) goes out
    // heldMs after it occurred.
    const times = first.map((o) => o.event.occurred_at + ((o as { heldMs?: number }).heldMs ?? 0));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const counts = new Map<string, number>();
    for (const o of first) counts.set(o.topic, (counts.get(o.topic) ?? 0) + 1);
    for (const topic of ['engineOrders', 'engineExecutions', 'userLogins', 'userFunds', 'socialMentions']) {
      expect(counts.get(topic) ?? 0).toBeGreaterThan(0);
    }
    // 100 events/s of background over the run, within a loose band (scenarios add a little).
    expect(first.length / (RUN_MS / 1000)).toBeGreaterThan(80);
    expect(first.length / (RUN_MS / 1000)).toBeLessThan(130);
    expect(new Set(first.map((o) => o.event.event_id)).size).toBe(first.length);
  });

  it('labels every scenario with its entity, time span and the events it injected', () => {
    const labels = labelsOf(first);
    expect(labels.map((l) => l.scenario).sort()).toEqual([...scenarioNames].sort());
    const byId = new Map(first.map((o) => [o.event.event_id, o]));
    for (const label of labels) {
      expect(label.seed).toBe(42);
      expect(label.end_at).toBeGreaterThanOrEqual(label.start_at);
      for (const id of label.event_ids) expect(byId.has(id)).toBe(true);
    }
    const find = (name: ScenarioName) => labels.find((l) => l.scenario === name) as SimLabel;
    const events = (label: SimLabel) => label.event_ids.map((id) => byId.get(id) as SimOutput);

    // Account takeover: success from an IP the account never used before, then a withdrawal within the hour.
    const ato = find('account-takeover');
    const atoEvents = events(ato);
    const success = atoEvents.find((o) => o.topic === 'userLogins' && o.event.outcome === 'success');
    if (success?.topic !== 'userLogins') throw new Error('no successful takeover login');
    const earlierIps = first.filter(
      (o) =>
        o.topic === 'userLogins' &&
        o.event.account_id === ato.entity &&
        o.event.occurred_at < success.event.occurred_at &&
        !ato.event_ids.includes(o.event.event_id),
    );
    expect(earlierIps.map((o) => (o.topic === 'userLogins' ? o.event.ip : ''))).not.toContain(
      success.event.ip,
    );
    const withdrawal = atoEvents.find((o) => o.topic === 'userFunds' && o.event.type === 'user.withdrawal');
    expect((withdrawal?.event.occurred_at ?? 0) - success.event.occurred_at).toBeLessThan(3_600_000);

    // Wash trading: executions whose maker and taker are the labelled account(s).
    const wash = find('wash-trading');
    const accounts = (JSON.parse(wash.details) as { accounts: string[] }).accounts;
    const washFills = events(wash).filter((o) => o.topic === 'engineExecutions');
    expect(washFills.length).toBeGreaterThan(3);
    for (const o of washFills) {
      if (o.topic !== 'engineExecutions') continue;
      expect(accounts).toContain(o.event.maker_account_id);
      expect(accounts).toContain(o.event.taker_account_id);
    }

    // Spoofing: the account's large orders are cancelled within seconds, and its other side fills.
    const spoof = events(find('spoofing')).filter((o) => o.topic === 'engineOrders');
    const cancels = spoof.filter(
      (o) => o.topic === 'engineOrders' && o.event.event === 'cancel' && o.event.side === 'buy',
    );
    expect(cancels.length).toBeGreaterThanOrEqual(3);
    expect(
      spoof.some(
        (o) =>
          o.topic === 'engineOrders' &&
          o.event.event === 'fill' &&
          o.event.side === 'sell' &&
          o.event.account_id === find('spoofing').entity,
      ),
    ).toBe(true);

    // Pump and dump: positive mentions, then the price rises and falls.
    const pump = find('pump-and-dump');
    const pumpMentions = events(pump).filter((o) => o.topic === 'socialMentions');
    expect(pumpMentions.length).toBeGreaterThanOrEqual(25);
    expect(
      pumpMentions.every(
        (o) => o.topic === 'socialMentions' && o.event.sentiment > 0 && o.event.token === pump.entity,
      ),
    ).toBe(true);
    const prices = JSON.parse(pump.details) as { price_start: number; price_peak: number; price_end: number };
    expect(prices.price_peak).toBeGreaterThan(prices.price_start);
    expect(prices.price_end).toBeLessThan(prices.price_peak);

    // Negative buzz: more than triple the negative mentions of the 30 minutes before.
    const buzz = find('negative-buzz');
    const negatives = (from: number, to: number) =>
      first.filter(
        (o) =>
          o.topic === 'socialMentions' &&
          o.event.token === buzz.entity &&
          o.event.sentiment < 0 &&
          o.event.occurred_at >= from &&
          o.event.occurred_at < to,
      ).length;
    const before = negatives(buzz.start_at - 1_800_000, buzz.start_at);
    expect(negatives(buzz.start_at, buzz.end_at + 1)).toBeGreaterThan(3 * before);
  });
});
