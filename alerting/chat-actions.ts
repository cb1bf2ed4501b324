import type { AlertView } from './channels/types.js';
import type { Outcome } from './store.js';

/**
 * The buttons on chat messages and what pressing one means. One vocabulary for Slack
 * (action_id + value) and Telegram (callback_data, at most 64 bytes): a short verb code and
 * the alert id. Handled by console/chat-routes.ts through alerting/actions.ts, so a button
 * writes the same audit row as the console and the CLI.
 */
export type ChatVerb = 'ack' | 'mine' | 'tp' | 'fp' | 'dup' | 'benign';

export const CHAT_VERBS: Record<ChatVerb, { label: string; outcome?: Outcome }> = {
  ack: { label: 'Acknowledge' },
  mine: { label: 'Assign to me' },
  tp: { label: 'Resolve: true positive', outcome: 'true_positive' },
  fp: { label: 'Resolve: false positive', outcome: 'false_positive' },
  dup: { label: 'Resolve: duplicate', outcome: 'duplicate' },
  benign: { label: 'Resolve: benign', outcome: 'benign' },
};

export const TELEGRAM_CALLBACK_LIMIT = 64;

/** "tw:<verb>:<alert id>"; undefined when it would not fit Telegram's 64 bytes. */
export function encodeCallback(verb: ChatVerb, alertId: string): string | undefined {
  const data = `tw:${verb}:${alertId}`;
  return Buffer.byteLength(data) <= TELEGRAM_CALLBACK_LIMIT ? data : undefined;
}

export function decodeCallback(data: string): { verb: ChatVerb; alertId: string } | undefined {
  const m = /^tw:([a-z]+):([A-Za-z0-9_-]{1,60})$/.exec(data);
  if (!m || !((m[1] as string) in CHAT_VERBS)) return undefined;
  return { verb: m[1] as ChatVerb, alertId: m[2] as string };
}

/** Buttons make sense on a message about one alert that is still open. */
export const wantsButtons = (kind: string, alerts: AlertView[]): boolean =>
  kind !== 'resolved' && alerts.length === 1;

/** Slack Block Kit elements: Acknowledge, Assign to me, and a "Resolve as…" menu. */
export function slackActionElements(alertId: string): object[] {
  const button = (verb: ChatVerb, style?: 'primary') => ({
    type: 'button',
    action_id: `tw_${verb}`,
    text: { type: 'plain_text', text: CHAT_VERBS[verb].label },
    value: alertId,
    ...(style ? { style } : {}),
  });
  return [
    button('ack', 'primary'),
    button('mine'),
    {
      type: 'static_select',
      action_id: 'tw_resolve',
      placeholder: { type: 'plain_text', text: 'Resolve as…' },
      options: (['tp', 'fp', 'dup', 'benign'] as const).map((verb) => ({
        text: { type: 'plain_text', text: CHAT_VERBS[verb].label.replace('Resolve: ', '') },
        value: `${verb}:${alertId}`,
      })),
    },
  ];
}

/** A Slack block action as a verb and alert id. */
export function slackAction(a: {
  action_id?: string;
  value?: string;
  selected_option?: { value?: string };
}): { verb: ChatVerb; alertId: string } | undefined {
  if (a.action_id === 'tw_resolve') {
    const [verb, alertId] = (a.selected_option?.value ?? '').split(':', 2);
    return verb && alertId && verb in CHAT_VERBS ? { verb: verb as ChatVerb, alertId } : undefined;
  }
  const verb = a.action_id?.replace(/^tw_/, '');
  return verb && verb in CHAT_VERBS && a.value ? { verb: verb as ChatVerb, alertId: a.value } : undefined;
}

/** Telegram inline keyboard rows for an alert (buttons whose data would not fit are left out). */
export function telegramKeyboard(alertId: string): Array<Array<{ text: string; callback_data: string }>> {
  const row = (verbs: ChatVerb[]) =>
    verbs.flatMap((verb) => {
      const data = encodeCallback(verb, alertId);
      return data ? [{ text: CHAT_VERBS[verb].label.replace('Resolve: ', '✔ '), callback_data: data }] : [];
    });
  return [row(['ack', 'mine']), row(['tp', 'fp']), row(['dup', 'benign'])].filter((r) => r.length > 0);
}
