import { describe, expect, it } from 'vitest';
import { terminalSafe, terminalSafeInline } from './terminal-text.js';

describe('terminal-safe text', () => {
  it('escapes ANSI/OSC sequences, C1 controls, carriage returns and bidi overrides', () => {
    const hostile = 'ok\u001b[2J\u001b]0;pwned\u0007\u009b31m\rfake\u202egnp.exe\u2066x\u2069';
    const safe = terminalSafe(hostile);
    expect(safe).toBe(
      'ok\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\u{9b}31m\\u{d}fake\\u{202e}gnp.exe\\u{2066}x\\u{2069}',
    );
    expect(safe).not.toMatch(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/u);
  });

  it('keeps line breaks, tabs and ordinary Unicode; inline values lose their line breaks', () => {
    expect(terminalSafe('a\tb\nc 🔴 é')).toBe('a\tb\nc 🔴 é');
    expect(terminalSafeInline('line1\n  ▸ forged-rule')).toBe('line1\\n  ▸ forged-rule');
  });
});
