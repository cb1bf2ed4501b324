/**
 * Text that came from outside (alert titles and summaries, account labels, query results)
 * made safe to print on a terminal. C0 and C1 control characters — ESC and CSI start the
 * sequences that recolour, move the cursor, rewrite earlier lines, set the window title or
 * reach the clipboard — and the bidi controls that make text read otherwise than it is
 * ("Trojan Source") are printed as visible `\u{…}` escapes. Tabs stay; each line is cleaned
 * on its own, so the caller's own line breaks stay while a `\r` inside a line cannot
 * overwrite it.
 */
const UNSAFE = /(?![\t\n])[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

const visible = (char: string): string => `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`;

/** `text` with every unsafe character escaped; `\n` kept as the line break it is. */
export function terminalSafe(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(UNSAFE, visible))
    .join('\n');
}

/** One value on one line: a line break inside it is escaped too, so it cannot forge a line. */
export function terminalSafeInline(text: string): string {
  return text.replace(UNSAFE, visible).replaceAll('\n', '\\n');
}
