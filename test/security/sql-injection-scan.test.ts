import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * No SQL is built from values by string interpolation: values go in `{name:Type}` query
 * parameters, which ClickHouse binds itself. This scans every source file (tests and their
 * helpers in test/ and testing/ folders excluded) for ClickHouse client calls — `.query(`,
 * `.command(`, `.insert(`, `.exec(` and the `queryRows` / `queryNumber` helpers — whose SQL text is a template literal with `${…}`,
 * and fails listing file:line for each interpolation not on the allow-list below.
 *
 * The allow-list holds identifier-only expressions: database, table, view and column names
 * that are constants in the code or validated by a regex when the config is loaded. A new
 * entry needs the same proof, written beside it.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SKIP_DIRS = new Set(['node_modules', '.git', '.stack', '.kafka', 'test', 'testing']);

const allowedInterpolations: { file?: RegExp; expression: RegExp; why: string }[] = [
  {
    expression: /^(config|this\.#config|this\.#o\.config|options\.config|cfg|c)\.CLICKHOUSE_DATABASE$/,
    why: 'lib/config/config.ts validates it as /^[A-Za-z_][A-Za-z0-9_]*$/ at start-up',
  },
  {
    file: /^lib\/clickhouse\/migrations\.ts$/,
    expression: /^database$/,
    why: 'its one caller (stack/pipeline.ts) passes config.CLICKHOUSE_DATABASE, validated as above',
  },
  {
    file: /^alerting\/rules\/loader\.ts$/,
    expression: /^(r\.viewName|viewNameOf\(id\)|view)$/,
    why: 'viewNameOf(rule id): ids are /^[a-z][a-z0-9-]{1,40}$/ (rules/rule-file.ts); disabled ids are dropped only when system.tables lists that view',
  },
  {
    file: /^stack\/clickhouse\/http-interface\.ts$/,
    expression: /^(quoteIdentifier\(database\)|quoteString\(value\)|key|name)$/,
    why: 'the embedded HTTP interface: setting and parameter names are checked against IDENTIFIER first, values and databases quoted',
  },
  {
    file: /^(cli\/sql|stack\/clickhouse\/http-interface)\.ts$/,
    expression: /^(statement|quoteString\(sql\))$/,
    why: "the statement policy asks ClickHouse to parse the caller's own SQL (EXPLAIN AST, formatQuerySingleLine of a quoted literal); parsing runs nothing, and the statement runs only after the policy passed it",
  },
  {
    file: /^clickhouse\/schema\/live-schema\.ts$/,
    expression: /^(live|scratch|shared)$/,
    why: 'live is config.CLICKHOUSE_DATABASE (validated as above), scratch is live + "_snapshot", shared iterates two constant table names',
  },
  {
    file: /^lib\/clickhouse\/baseline\.ts$/,
    expression: /^(database|table|names\.join\(', '\))$/,
    why: "the squash tool's schema dump: a scratch database it migrated itself, and table and column names read from that database's own system.tables / system.columns",
  },
  {
    file: /^stack\/derivatives-replay\.ts$/,
    expression: /^union$/,
    why: 'a UNION of `SELECT event_id FROM <fact>` over TAPE_FACTS, a constant list of fact table names in the same file',
  },
  {
    file: /^alerting\/backtest\/as-of\.ts$/,
    expression: /^sql$/,
    why: 'EXPLAIN AST of a rule candidate query rendered from the repository rule files with numeric thresholds only (render.ts); parsing runs nothing, and it is sent readonly',
  },
  {
    file: /^bench\//,
    expression: /[\s\S]*/,
    why: 'benchmark harness: throwaway databases, names are the benchmark constants; no request or operator input reaches it',
  },
];

interface Finding {
  file: string;
  line: number;
  expression: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIP_DIRS.has(entry.name) ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')
      ? [path]
      : [];
  });
}

const CALL = /(?:\.(?:query|command|insert|exec)|\bquery(?:Rows|Number))\(/g;

/** The text of a call's arguments: up to the parenthesis that closes it, skipping strings. */
function argumentsOf(source: string, open: number): string {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < source.length; i++) {
    const ch = source[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
      else if (quote === '`' && ch === '$' && source[i + 1] === '{') {
        // Inside a template: its ${…} may hold parentheses; find the matching brace.
        let braces = 0;
        for (i += 1; i < source.length; i++) {
          if (source[i] === '{') braces++;
          else if (source[i] === '}' && --braces === 0) break;
        }
      }
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return source.slice(open, i + 1);
  }
  return source.slice(open);
}

/** Every `${…}` inside template literals of `text`, with its offset in `text`. */
function interpolations(text: string): { expression: string; at: number }[] {
  const found: { expression: string; at: number }[] = [];
  let inTemplate = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (!inTemplate && (ch === "'" || ch === '"')) {
      // A plain string may hold backticks (error text quoting a command): skip it whole.
      for (i += 1; i < text.length && text[i] !== ch; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (ch === '`') inTemplate = !inTemplate;
    else if (inTemplate && ch === '$' && text[i + 1] === '{') {
      let braces = 0;
      let end = i + 1;
      for (; end < text.length; end++) {
        if (text[end] === '{') braces++;
        else if (text[end] === '}' && --braces === 0) break;
      }
      found.push({ expression: text.slice(i + 2, end).trim(), at: i });
      i = end;
    }
  }
  return found;
}

const isAllowed = (file: string, expression: string): boolean =>
  allowedInterpolations.some(
    (a) => (a.file === undefined || a.file.test(file)) && a.expression.test(expression),
  );

function scanForInterpolatedSql(root = ROOT): Finding[] {
  const findings: Finding[] = [];
  for (const path of sourceFiles(root)) {
    const source = readFileSync(path, 'utf8');
    for (const match of source.matchAll(CALL)) {
      const open = (match.index ?? 0) + match[0].length - 1;
      const args = argumentsOf(source, open);
      // ClickHouse's exec takes an options object; RegExp#exec takes a string.
      if (match[0] === '.exec(' && !/^\(\s*\{/.test(args)) continue;
      const file = relative(root, path);
      for (const { expression, at } of interpolations(args)) {
        if (isAllowed(file, expression)) continue;
        const line = source.slice(0, open + at).split('\n').length;
        findings.push({ file, line, expression });
      }
    }
  }
  return findings;
}

describe('no string-built SQL', () => {
  it('finds an interpolated value in a client call, and lets an allow-listed identifier through', () => {
    const sample = [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source text for the scanner
      'await client.query({ query: `SELECT * FROM t WHERE id = ${id}` });',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source text for the scanner
      'await queryRows(client, `SELECT ${"x"} FROM ${config.CLICKHOUSE_DATABASE}.t`, {});',
      'const m = /a/.exec(line);',
    ].join('\n');
    const found = interpolations(argumentsOf(sample, sample.indexOf('(')));
    expect(found.map((f) => f.expression)).toEqual(['id']);
    const second = sample.indexOf('queryRows(') + 'queryRows'.length;
    const exprs = interpolations(argumentsOf(sample, second)).map((f) => f.expression);
    expect(exprs).toEqual(['"x"', 'config.CLICKHOUSE_DATABASE']);
    expect(exprs.filter((e) => !isAllowed('any.ts', e))).toEqual(['"x"']);
    // A file-scoped entry holds only in its file.
    expect(isAllowed('lib/clickhouse/migrations.ts', 'database')).toBe(true);
    expect(isAllowed('alerting/notifier.ts', 'database')).toBe(false);
  });

  it('no ClickHouse call in the code interpolates a value into its SQL', () => {
    const findings = scanForInterpolatedSql();
    expect(
      findings.map((f) => `${f.file}:${f.line} \${${f.expression}}`),
      'use {name:Type} query_params, or allow-list an identifier-only expression with its proof',
    ).toEqual([]);
  });
});
