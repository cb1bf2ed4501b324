/**
 * A block of lines kept at the bottom of a terminal and redrawn in place, with anything
 * else written to the terminal meanwhile (the console channel's alerts, log lines) printed
 * above it: before each foreign write the block is erased, after it the block is drawn
 * again. Used only when stdout is a TTY; piped output gets plain periodic lines instead.
 */

/** Cursor to the start of the line `n` rows up, then clear to the end of the screen. */
const eraseUp = (n: number) => (n > 0 ? `\x1b[${n}F\x1b[J` : '');
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are control characters by definition.
const ANSI = /\x1b\[[0-9;]*m/g;

/** Cut a line to `width` visible characters, so each block line is one terminal row. */
export function fitTo(line: string, width: number): string {
  if (line.replace(ANSI, '').length <= width) return line;
  const plain = line.replace(ANSI, '');
  return `${plain.slice(0, Math.max(0, width - 1))}…`;
}

type Write = NodeJS.WriteStream['write'];

export class LiveBlock {
  readonly #out: NodeJS.WriteStream;
  readonly #streams: NodeJS.WriteStream[];
  readonly #originals = new Map<NodeJS.WriteStream, Write>();
  #lines: string[] = [];
  #drawn = 0;

  /** `out` holds the block; `alsoAbove` are other streams on the same terminal (stderr). */
  constructor(out: NodeJS.WriteStream, alsoAbove: NodeJS.WriteStream[] = []) {
    this.#out = out;
    this.#streams = [out, ...alsoAbove.filter((s) => s.isTTY)];
  }

  /** From now on every write to the streams lands above the block. */
  start(): void {
    for (const stream of this.#streams) {
      const original = stream.write;
      this.#originals.set(stream, original);
      stream.write = ((...args: Parameters<Write>) => {
        this.#erase();
        const written = original.apply(stream, args);
        this.#draw();
        return written;
      }) as Write;
    }
  }

  update(lines: readonly string[]): void {
    this.#erase();
    const width = Math.max(20, (this.#out.columns ?? 100) - 1);
    this.#lines = lines.map((l) => fitTo(l, width));
    this.#draw();
  }

  /** Stops redrawing; the last block stays on screen as the final state. */
  stop(): void {
    for (const [stream, original] of this.#originals) stream.write = original;
    this.#originals.clear();
    this.#drawn = 0;
  }

  #raw(text: string): void {
    const write = this.#originals.get(this.#out) ?? this.#out.write;
    write.call(this.#out, text);
  }

  #erase(): void {
    if (this.#drawn > 0) this.#raw(eraseUp(this.#drawn));
    this.#drawn = 0;
  }

  #draw(): void {
    if (this.#lines.length === 0) return;
    this.#raw(`${this.#lines.join('\n')}\n`);
    this.#drawn = this.#lines.length;
  }
}
