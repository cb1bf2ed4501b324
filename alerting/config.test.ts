import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadNotifierEnv, parseRouting } from './config.js';

// biome-ignore lint/suspicious/noTemplateCurlyInString: a routing-file placeholder, not a JS template
const PLACEHOLDER = '${ALERT_WEBHOOK_SECRET}';

const routing = (secret: string) => ({
  channels: { siem: { type: 'webhook', url: 'https://siem.example/alerts', secret } },
  routes: [{ channels: ['siem'] }],
});

describe('routing file secrets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'routing-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a placeholder from NAME_FILE when the secret is mounted as a file', () => {
    const file = join(dir, 'webhook-secret');
    writeFileSync(file, 'a-webhook-secret-of-enough-length-123456\n');
    const parsed = parseRouting(routing(PLACEHOLDER), { ALERT_WEBHOOK_SECRET_FILE: file });
    expect(parsed.channels.siem).toMatchObject({ secret: 'a-webhook-secret-of-enough-length-123456' });
  });

  it('names the placeholder, never the value, when an expanded secret is invalid', () => {
    const env = { ALERT_WEBHOOK_SECRET: 'short-s3cr3t' };
    let message = '';
    try {
      parseRouting(routing(PLACEHOLDER), env);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/channels\.siem\.secret/);
    expect(message).toContain(PLACEHOLDER);
    expect(message).not.toContain('short-s3cr3t');
  });
});

describe('notifier ops address', () => {
  it('listens on loopback unless told otherwise, and takes an IPv4 or IPv6 address', () => {
    expect(loadNotifierEnv({}).NOTIFIER_OPS_HOST).toBe('127.0.0.1');
    expect(loadNotifierEnv({ NOTIFIER_OPS_HOST: '0.0.0.0' }).NOTIFIER_OPS_HOST).toBe('0.0.0.0');
    expect(loadNotifierEnv({ NOTIFIER_OPS_HOST: '::' }).NOTIFIER_OPS_HOST).toBe('::');
  });

  it('refuses anything else at start-up, naming the key and the value', () => {
    for (const bad of ['localhost:9470', 'not a host', '999.1.1.1'])
      expect(() => loadNotifierEnv({ NOTIFIER_OPS_HOST: bad })).toThrow(
        new RegExp(
          `NOTIFIER_OPS_HOST=${JSON.stringify(bad).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: an IP address`,
        ),
      );
  });
});
