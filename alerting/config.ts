import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { loadEnv, env as vars } from '../lib/config/env.js';
import { readSecret } from '../lib/config/secrets.js';
import { ErrorCode, messageOf, TradewatchError } from '../lib/errors.js';
import { channelTypes } from './channels/index.js';
import { severities } from './rules/rule-file.js';

/**
 * The notifier's settings: environment variables for the service, and one JSON routing file
 * (channels, routes, inhibitions, rule thresholds). Both are validated once at start-up;
 * errors name the key, the value and what was expected.
 */
export const notifierDefaults = {
  ALERTING_CONFIG_FILE: 'alerting/alerting.example.json',
  NOTIFIER_POLL_INTERVAL_MS: 500,
  NOTIFIER_OPS_PORT: 9470,
  /** Loopback by default; a container publishing the port sets 0.0.0.0 (docker-compose.apps.yml). */
  NOTIFIER_OPS_HOST: '127.0.0.1',
  NOTIFIER_DRY_RUN: 'false',
  /** Alerts detected longer ago than this are no longer picked up for a first notification. */
  NOTIFIER_LOOKBACK_HOURS: 24,
  /** Re-install the rule views at start-up (idempotent; off when another process owns them). */
  NOTIFIER_INSTALL_RULES: 'true',
} as const;

const bool = vars.bool();

export const notifierEnvSchema = z.object({
  ALERTING_CONFIG_FILE: z.string().min(1).default(notifierDefaults.ALERTING_CONFIG_FILE),
  NOTIFIER_POLL_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(50)
    .max(60_000)
    .default(notifierDefaults.NOTIFIER_POLL_INTERVAL_MS),
  NOTIFIER_OPS_PORT: vars.port().default(notifierDefaults.NOTIFIER_OPS_PORT),
  NOTIFIER_OPS_HOST: z
    .union([z.ipv4(), z.ipv6()], { error: 'an IP address to listen on, e.g. 127.0.0.1 or 0.0.0.0' })
    .default(notifierDefaults.NOTIFIER_OPS_HOST),
  NOTIFIER_DRY_RUN: bool.default(false),
  NOTIFIER_LOOKBACK_HOURS: z.coerce
    .number()
    .int()
    .positive()
    .default(notifierDefaults.NOTIFIER_LOOKBACK_HOURS),
  NOTIFIER_INSTALL_RULES: bool.default(true),
});
export type NotifierEnv = Readonly<z.infer<typeof notifierEnvSchema>>;

const channel = z
  .object({ type: z.enum(Object.keys(channelTypes) as [string, ...string[]]) })
  .passthrough()
  .superRefine((value, ctx) => {
    const spec = channelTypes[value.type as keyof typeof channelTypes];
    const parsed = spec.schema.safeParse(value);
    if (!parsed.success)
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom', path: issue.path });
  });

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (00:00-23:59)');

/**
 * A maintenance window: on these days (all when empty), from start to end (HH:MM in `tz`;
 * an end at or before the start runs past midnight). Deliveries due on the route are held,
 * not dropped, and go out when the window closes.
 */
const muteWindow = z
  .object({
    days: z.array(z.enum(DAYS)).default([]),
    start: clock,
    end: clock,
    tz: z
      .string()
      .default('UTC')
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'an IANA time zone such as UTC or Europe/Berlin'),
  })
  .refine((w) => w.start !== w.end, { message: 'start and end are equal: an empty window', path: ['end'] });
export type MuteWindow = z.infer<typeof muteWindow>;

const route = z.object({
  /** Empty or absent: every rule. */
  rules: z.array(z.string()).default([]),
  entity_types: z.array(z.string()).default([]),
  min_severity: z.enum(severities).default('info'),
  channels: z.array(z.string()).min(1),
  /** Hold a new alert this long so a burst of the same rule goes out as one message. */
  group_wait_ms: z.number().int().min(0).max(600_000).default(0),
  group_max_alerts: z.number().int().min(1).max(20).default(10),
  /** Remind about an alert still firing and unacknowledged this often; 0: never. */
  repeat_interval_s: z
    .number()
    .int()
    .min(0)
    .default(4 * 3600),
  send_resolved: z.boolean().default(true),
  /** Maintenance windows: nothing is sent on this route's channels while one is open. */
  mute_windows: z.array(muteWindow).default([]),
});

export const routingSchema = z.object({
  grafana_url: z.url().default('http://127.0.0.1:3000/d/tradewatch-alerts'),
  channels: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/), channel),
  routes: z.array(route).min(1),
  inhibit: z
    .array(
      z.object({
        source_rules: z.array(z.string()).min(1),
        target_rules: z.array(z.string()).min(1),
        /**
         * Source and target must agree on this to inhibit: `market` (venue + symbol, or a
         * venue-wide source), `entity`, or `venue` (every symbol of the venue: coarse).
         */
        equal: z.enum(['market', 'venue', 'entity']).default('market'),
      }),
    )
    .default([]),
  retry: z
    .object({
      base_ms: z.number().int().min(10).default(500),
      max_ms: z.number().int().min(100).default(60_000),
    })
    .default({ base_ms: 500, max_ms: 60_000 }),
  rules: z
    .record(
      z.string(),
      z.object({
        enabled: z.boolean().optional(),
        refresh_s: z.number().int().min(1).optional(),
        severity: z.enum(severities).optional(),
        thresholds: z.record(z.string(), z.number()).optional(),
      }),
    )
    .default({}),
});
export type Routing = z.infer<typeof routingSchema>;
export type Route = Routing['routes'][number];

function problems(error: z.ZodError, values: unknown): string {
  return error.issues
    .map((issue) => {
      const at = issue.path.join('.');
      let given: unknown = values;
      for (const key of issue.path)
        given = (given as Record<PropertyKey, unknown> | undefined)?.[key as string];
      return `${at || '(root)'}=${JSON.stringify(given) ?? 'undefined'}: ${issue.message}`;
    })
    .join('; ');
}

export function loadNotifierEnv(env: Record<string, string | undefined> = process.env): NotifierEnv {
  return loadEnv(notifierEnvSchema, 'configuration', env);
}

/**
 * `${NAME}` in a string value is replaced by the environment variable, or by the contents of
 * the file `NAME_FILE` names: secrets stay out of the routing file.
 */
function expandEnv(value: unknown, env: Record<string, string | undefined>, path: string): unknown {
  if (typeof value === 'string')
    return value.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
      const v = readSecret(env, name);
      if (v === undefined)
        throw new TradewatchError(
          ErrorCode.CONFIG_INVALID,
          `${path}: environment variable ${name} is not set`,
        );
      return v;
    });
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, env, `${path}.${i}`));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, expandEnv(v, env, path ? `${path}.${k}` : k)]),
    );
  return value;
}

export function parseRouting(raw: unknown, env: Record<string, string | undefined> = process.env): Routing {
  const expanded = expandEnv(raw, env, '');
  const parsed = routingSchema.safeParse(expanded);
  if (!parsed.success)
    throw new TradewatchError(
      ErrorCode.CONFIG_INVALID,
      // Quote the file as written (`${SLACK_WEBHOOK_URL}`), never the secret it expanded to.
      `invalid alerting config: ${problems(parsed.error, raw)}`,
    );
  const routing = parsed.data;
  routing.routes.forEach((r, i) => {
    for (const name of r.channels)
      if (!(name in routing.channels))
        throw new TradewatchError(
          ErrorCode.CONFIG_INVALID,
          `routes.${i}.channels: unknown channel "${name}"`,
        );
  });
  return Object.freeze(routing);
}

export function loadRouting(file: string, env: Record<string, string | undefined> = process.env): Routing {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TradewatchError(ErrorCode.CONFIG_INVALID, `alerting config ${file}: ${messageOf(err)}`, {
      cause: err,
    });
  }
  return parseRouting(raw, env);
}
