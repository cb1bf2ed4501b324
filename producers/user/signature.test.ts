import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashKey, parseKeys } from './keys.js';
import { checkSignatureHeaders, signRequest, verifySignature } from './signature.js';

const SECRET = 's'.repeat(40);
const NOW_MS = 1_800_000_000_000;
const ts = (offsetS = 0) => String(NOW_MS / 1000 + offsetS);
const headers = (timestamp: string | undefined, signature: string | undefined) => ({
  'x-tradewatch-timestamp': timestamp,
  'x-tradewatch-signature': signature,
});

describe('request signatures', () => {
  it('signs as documented: v1= hex HMAC-SHA256 of "<timestamp>.<body>"', () => {
    const expected = createHmac('sha256', SECRET).update(`${ts()}.{"events":[]}`).digest('hex');
    expect(signRequest(SECRET, ts(), '{"events":[]}')).toBe(`v1=${expected}`);
  });

  it('accepts a fresh, well-formed pair and verifies it against the exact body', () => {
    const body = Buffer.from('{"events":[]}');
    const check = checkSignatureHeaders(headers(ts(-10), signRequest(SECRET, ts(-10), body)), 300, NOW_MS);
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(verifySignature([Buffer.from(SECRET)], check.timestamp, check.signatures, body)).toBe(true);
    expect(
      verifySignature(
        [Buffer.from(SECRET)],
        check.timestamp,
        check.signatures,
        Buffer.from('{"events":[1]}'),
      ),
    ).toBe(false);
    expect(verifySignature([Buffer.from('x'.repeat(40))], check.timestamp, check.signatures, body)).toBe(
      false,
    );
    // Rotation: either of two secrets verifies.
    expect(
      verifySignature(
        [Buffer.from('x'.repeat(40)), Buffer.from(SECRET)],
        check.timestamp,
        check.signatures,
        body,
      ),
    ).toBe(true);
  });

  it.each([
    [headers(undefined, 'v1=00'), 'missing X-Tradewatch-Timestamp header'],
    [headers('yesterday', 'v1=00'), 'X-Tradewatch-Timestamp must be Unix epoch seconds'],
    [
      headers(ts(-301), signRequest(SECRET, ts(-301), '')),
      "stale timestamp: X-Tradewatch-Timestamp is 301 s from the server's clock; the window is 300 s",
    ],
    [headers(ts(+301), signRequest(SECRET, ts(+301), '')), 'stale timestamp'],
    [headers(ts(), undefined), 'missing X-Tradewatch-Signature header'],
    [headers(ts(), 'sha256=abc'), 'X-Tradewatch-Signature must be v1=<64 hex characters'],
  ])('refuses %j naming what is wrong', (given, reason) => {
    const check = checkSignatureHeaders(given, 300, NOW_MS);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).toContain(reason);
  });

  it('reads signing secrets from the variables a key names, or their _FILE, and refuses weak or missing ones', () => {
    const entry = {
      id: 'engine',
      kind: 'server',
      sha256: hashKey('k'),
      endpoint: 'engine',
      types: ['engine.order'],
      signing_secret_envs: ['ENGINE_SIGNING_SECRET'],
    };
    const ring = parseKeys({ keys: [entry] }, 'keys.json', { ENGINE_SIGNING_SECRET: SECRET });
    const key = ring.find('k');
    expect(key && ring.signingSecrets(key).map(String)).toEqual([SECRET]);
    expect(() => parseKeys({ keys: [entry] }, 'keys.json', {})).toThrow(
      'keys.0.signing_secret_envs.0: ENGINE_SIGNING_SECRET (or ENGINE_SIGNING_SECRET_FILE) is not set',
    );
    expect(() => parseKeys({ keys: [entry] }, 'keys.json', { ENGINE_SIGNING_SECRET: 'short' })).toThrow(
      'ENGINE_SIGNING_SECRET is shorter than 32 characters',
    );
    expect(() =>
      parseKeys(
        {
          keys: [
            {
              ...entry,
              kind: 'browser',
              endpoint: 'user',
              types: ['user.browser_action'],
              origins: ['https://a.example'],
            },
          ],
        },
        'keys.json',
        { ENGINE_SIGNING_SECRET: SECRET },
      ),
    ).toThrow('keys.0.signing_secret_envs: browser keys cannot sign');
    // A key without signing_secret_envs needs no signature.
    const plain = parseKeys({ keys: [{ ...entry, signing_secret_envs: undefined }] }, 'keys.json', {});
    const plainKey = plain.find('k');
    expect(plainKey && plain.signingSecrets(plainKey)).toEqual([]);
  });
});
