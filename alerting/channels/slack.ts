import { z } from 'zod';
import { slackActionElements, wantsButtons } from '../chat-actions.js';
import { postJudgedByStatus } from './post.js';
import { headline, prettyEvidence, truncate } from './text.js';
import type { ChannelSpec, Notification, Transport } from './types.js';

/**
 * Slack incoming webhook: POST {text, blocks} (Block Kit). Slack answers 200 "ok", or an
 * error word in the body (400 invalid_payload / invalid_blocks, 403 action_prohibited,
 * 404 channel_not_found, 410 channel_is_archived), or 429 with Retry-After. Limits kept:
 * at most 50 blocks, 3000 characters per section text, 150 per header, 2000 per context
 * element, and the fallback `text` short.
 */
export const slackSchema = z.object({
  type: z.literal('slack'),
  webhook_url: z.url({ protocol: /^https?$/ }),
  timeout_ms: z.number().int().min(100).default(5_000),
  /** Action buttons on single-alert messages; needs a Slack app whose Request URL is the console's /chat/slack/actions. */
  buttons: z.boolean().default(false),
});

export const SLACK_LIMITS = { blocks: 50, sectionText: 3000, headerText: 150, contextText: 2000 } as const;

/** Slack mrkdwn: only &, < and > are control characters (links, mentions); escape them. */
export const escapeSlack = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** Inside a ``` block, a ``` in the text would end it early. */
const codeSafe = (s: string): string => escapeSlack(s).replaceAll('```', "'''");

/** `buttons`: Acknowledge / Assign to me / Resolve as… (the Slack app's interactivity URL is the console's). */
export function slackPayload(n: Notification, buttons = false): object {
  const first = n.alerts[0];
  if (!first) throw new Error('a notification has at least one alert');
  const head = headline(n.kind, n.alerts.length, first);
  const blocks: object[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(head, SLACK_LIMITS.headerText), emoji: true },
    },
  ];
  // Each alert takes at most 3 blocks; 10 alerts per message (group_max_alerts ≤ 20 caps below).
  const perAlert =
    n.alerts.length > 1 ? Math.floor((SLACK_LIMITS.sectionText - 200) / n.alerts.length) : 2400;
  for (const a of n.alerts.slice(0, 15)) {
    const line = `*${escapeSlack(a.entity)}* · \`${escapeSlack(a.alert_id)}\` · ${escapeSlack(a.severity)}\n${escapeSlack(a.summary)}`;
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(line, SLACK_LIMITS.sectionText) },
    });
    if (n.kind !== 'resolved') {
      const evidence = `\`\`\`${codeSafe(truncate(prettyEvidence(a.evidence), Math.max(200, perAlert)))}\`\`\``;
      blocks.push({
        type: 'section',
        text: { type: 'mrkdwn', text: truncate(evidence, SLACK_LIMITS.sectionText - 3) },
      });
    }
  }
  if (n.alerts.length > 15)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `…and ${n.alerts.length - 15} more` } });
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: truncate(
          `*Runbook:* ${escapeSlack(first.runbook || 'see docs/alerting.md')}`,
          SLACK_LIMITS.contextText,
        ),
      },
    ],
  });
  blocks.push({
    type: 'actions',
    // block_id names the alert so an interaction can find it again (console/chat-routes.ts).
    block_id: `tw_actions:${first.alert_id}`.slice(0, 255),
    elements: [
      {
        type: 'button',
        text: { type: 'plain_text', text: 'Open in Grafana' },
        url: `${n.dashboardUrl}?var-alert_id=${encodeURIComponent(first.alert_id)}`,
      },
      ...(buttons && wantsButtons(n.kind, n.alerts) ? slackActionElements(first.alert_id) : []),
    ],
  });
  return {
    // The fallback text is mrkdwn too (it is what notifications show): escaped like the blocks,
    // or a <!channel> in an alert's text would page everyone.
    text: truncate(escapeSlack(`${head} — ${first.entity}: ${first.summary}`), 300),
    blocks: blocks.slice(0, SLACK_LIMITS.blocks),
  };
}

function create(config: z.infer<typeof slackSchema>): Transport {
  const render = (n: Notification) => ({
    body: JSON.stringify(slackPayload(n, config.buttons)),
    headers: { 'content-type': 'application/json' },
  });
  return {
    type: 'slack',
    render,
    send: (n, signal) =>
      // Slack answers errors with one word (`invalid_payload`); anything else is not repeated.
      postJudgedByStatus(config.webhook_url, render(n), signal, config.timeout_ms, {
        retriable: (status) => status >= 500,
        error: (status, body) =>
          `slack ${status} ${/^[a-z_]+$/.test(body.trim()) ? body.trim() : 'unexpected response'}`,
      }),
  };
}

export const slackChannel: ChannelSpec<typeof slackSchema> = { schema: slackSchema, create };
