/**
 * What a request may run on the embedded ClickHouse host, decided on ClickHouse's own parse
 * of the statement, never on the SQL text: comments, quoting, case, subqueries, CTEs, joins
 * and `SETTINGS` all arrive as the same tree.
 *
 *  1. `formatQuerySingleLine('<the SQL as a quoted literal>')` (nothing of it runs) refuses more than one statement: chDB, unlike a server's HTTP interface, runs every
 *     statement of a multi-statement text, which would let `SELECT 1; SET …` leave state behind.
 *  2. `EXPLAIN AST <that single formatted statement>` gives the tree, walked below.
 *
 * The engine has no access storage (chDB refuses CREATE USER, GRANT, settings profiles), so
 * this is the place where the server's grants and `readonly` constraints are reproduced.
 */

/** The two questions asked of the engine's parser; neither runs the statement. */
export interface StatementParser {
  /** `formatQuerySingleLine` of `sql` as a string literal; fails on a multi-statement text. */
  format(sql: string): Promise<string>;
  /** The lines of `EXPLAIN AST <one formatted statement>`, as plain text. */
  explainAst(statement: string): Promise<string[]>;
}

/** Answered as a server answers a missing grant: code 497, ACCESS_DENIED. */
export class PolicyRefusal extends Error {}

/** Statements whose answer changes nothing. */
const READ_KINDS = new Set([
  'SelectWithUnionQuery',
  'ShowTables',
  'DescribeQuery',
  'ExistsTableQuery',
  'ExistsDatabaseQuery',
  'ExistsViewQuery',
  'ExistsDictionaryQuery',
  'ShowCreateTableQuery',
  'ShowCreateViewQuery',
  'ShowCreateDatabaseQuery',
  'Explain',
]);

/** What the schema owner (migrations, services, tests) runs besides reads. */
const WRITE_KINDS = new Set([
  'InsertQuery',
  'CreateQuery',
  'DropQuery',
  'AlterQuery',
  'OptimizeQuery',
  'Rename',
  'TruncateQuery',
  'DeleteQuery',
  'CheckQuery',
  'SYSTEM query',
]);

/**
 * SYSTEM commands that only touch one table or view of the caller's own schema. The rest
 * (DROP … CACHE, SHUTDOWN, RELOAD CONFIG, FLUSH DISTRIBUTED…) act on the whole engine.
 */
const SYSTEM_ALLOWED = /^SYSTEM (REFRESH VIEW|WAIT VIEW|STOP MERGES|START MERGES|SYNC REPLICA|FLUSH LOGS$)/;

/**
 * Table functions that read only from the engine itself or from the request. Everything
 * else — file, url, s3, remote, executable, mysql, postgresql, hdfs, jdbc, odbc, azure*,
 * iceberg, deltaLake, sqlite, mongodb, redis, cluster… and those a later release adds —
 * reaches the filesystem, the network or other processes and is refused.
 */
const TABLE_FUNCTIONS_ALLOWED = new Set([
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'generaterandom',
  'generate_series',
  'generateseries',
  'values',
  'null',
  'view',
  'viewifpermitted',
  'merge',
  'format',
  'input',
]);

/** Table engines whose data stays in the engine's own storage, plus Kafka for the ingest chain. */
const ENGINES_ALLOWED = new Set([
  'mergetree',
  'replacingmergetree',
  'summingmergetree',
  'aggregatingmergetree',
  'collapsingmergetree',
  'versionedcollapsingmergetree',
  'graphitemergetree',
  'coalescingmergetree',
  'memory',
  'null',
  'log',
  'tinylog',
  'stripelog',
  'buffer',
  'set',
  'join',
  'merge',
  'kafka',
]);

/** Ordinary functions that read files or models from the host's disk. */
const SCALAR_FUNCTIONS_REFUSED = new Set(['file', 'catboostevaluate']);

/** Who is asking: the schema owner, or a reader (GET, `readonly`, a read-only user). */
export type Caller = 'owner' | 'reader';

export interface Checked {
  /** The statement's kind, e.g. `SelectWithUnionQuery`, `InsertQuery`. */
  kind: string;
  /** ClickHouse's own single-line rendering of the statement. */
  formatted: string;
  /**
   * Settings the engine must run this statement with. Inline VALUES rows are parsed, and
   * their expressions evaluated, outside the statement's tree (`VALUES (file('/etc/passwd'))`),
   * so on this host they are literals only: ClickHouse itself refuses an expression there.
   */
  settings: Record<string, string>;
}

const LITERAL_VALUES_ONLY = {
  input_format_values_interpret_expressions: '0',
  input_format_values_deduce_templates_of_expressions: '0',
};

/**
 * Settings that name a file the engine would read (format schemas and templates). Matched
 * on ClickHouse's own rendering, where a SETTINGS clause is `name = value`; a string that
 * merely mentions one is refused too, which costs nothing.
 */
const FILE_SETTINGS = /format_schema|format_template/i;

/** Refuses a URL setting that names a file; see FILE_SETTINGS. */
export function checkUrlSetting(name: string): void {
  if (FILE_SETTINGS.test(name))
    throw new PolicyRefusal(`setting ${name} (a file path) is not allowed on this host`);
}

interface AstNode {
  depth: number;
  /** The node's label, e.g. `Function file`, `TableExpression`, `Storage definition`. */
  label: string;
}

function parseExplain(lines: string[]): AstNode[] {
  return lines.map((line) => {
    const depth = line.length - line.trimStart().length;
    const label = line
      .trim()
      .replace(/ \(children \d+\)$/, '')
      .trim();
    return { depth, label };
  });
}

const functionName = (label: string): string | undefined => /^Function (\S+)/.exec(label)?.[1]?.toLowerCase();

/**
 * Checks one request's statement; throws PolicyRefusal naming what is refused and why.
 * `fullText` is what the engine will run: the statement plus any rows sent after it.
 */
export async function checkStatement(
  parser: StatementParser,
  sql: string,
  caller: Caller,
  fullText = sql,
): Promise<Checked> {
  const formatted = await parser.format(sql);
  // A FORMAT or INTO OUTFILE in the statement binds to it, not to the EXPLAIN (checked).
  const nodes = parseExplain(await parser.explainAst(formatted));
  const root = nodes[0];
  if (!root) throw new PolicyRefusal('empty statement');
  const kind = root.label.split(/\s+/)[0] === 'SYSTEM' ? 'SYSTEM query' : (root.label.split(/\s+/)[0] ?? '');
  if (caller === 'reader' && !READ_KINDS.has(kind)) {
    throw new PolicyRefusal(`${describe(kind)} is not allowed for a read-only request (readonly)`);
  }
  if (!READ_KINDS.has(kind) && !WRITE_KINDS.has(kind)) {
    throw new PolicyRefusal(`${describe(kind)} is not allowed on this host`);
  }
  if (kind === 'SYSTEM query' && !SYSTEM_ALLOWED.test(formatted)) {
    throw new PolicyRefusal(`${formatted.slice(0, 80)} is not allowed on this host`);
  }
  if (FILE_SETTINGS.test(formatted)) {
    throw new PolicyRefusal(
      'format_schema / format_template settings (file paths) are not allowed on this host',
    );
  }
  const inlineValues = kind === 'InsertQuery' && /^INSERT INTO .* FORMAT Values$/i.test(formatted);
  if (inlineValues && nodes.some((n) => n.label === 'Set')) {
    throw new PolicyRefusal('INSERT … VALUES cannot carry a SETTINGS clause on this host');
  }
  if (inlineValues) {
    // Inline VALUES rows are parsed as SQL up to a `;`, after which chDB runs the next
    // statement: `VALUES (1); DROP TABLE t`. A `;` only at the very end is harmless.
    const body = fullText.trimEnd().replace(/;$/, '');
    if (body.includes(';')) {
      throw new PolicyRefusal('INSERT … VALUES rows must not contain ";": send them as JSONEachRow');
    }
  }
  nodes.forEach((node, i) => {
    const parent = parentOf(nodes, i);
    const name = functionName(node.label);
    if (node.label === 'Set' && caller === 'reader') {
      // With readonly=1 ClickHouse refuses every setting change anyway; 26.7 forgets to check
      // `SETTINGS readonly = DEFAULT`, so a reader's query carries no SETTINGS at all.
      throw new PolicyRefusal('a read-only request cannot carry a SETTINGS clause');
    }
    if (node.label.startsWith('FunctionWithKeyValueArguments') || node.label === 'Dictionary definition') {
      throw new PolicyRefusal(
        'dictionaries (and their FILE/HTTP/EXECUTABLE… sources) are not allowed on this host',
      );
    }
    if (node.label.startsWith('Literal') && (parent === 'InsertQuery' || parent === 'SelectWithUnionQuery')) {
      throw new PolicyRefusal('INTO OUTFILE / FROM INFILE are not allowed on this host');
    }
    if (name === undefined) return;
    if (parent === 'Storage definition') {
      // Only the first child is the engine; ORDER BY / PARTITION BY / TTL expressions follow it.
      const first = (nodes[i - 1] as AstNode).label.startsWith('Storage definition');
      if (first && !ENGINES_ALLOWED.has(name)) {
        throw new PolicyRefusal(`table engine ${name} is not allowed on this host`);
      }
    } else if (parent === 'TableExpression' || parent === 'InsertQuery' || parent === 'CreateQuery') {
      if (!TABLE_FUNCTIONS_ALLOWED.has(name)) {
        throw new PolicyRefusal(`table function ${name} is not allowed on this host`);
      }
    } else if (SCALAR_FUNCTIONS_REFUSED.has(name) || name.startsWith('dictget')) {
      throw new PolicyRefusal(`function ${name} is not allowed on this host`);
    }
  });
  return { kind, formatted, settings: inlineValues ? LITERAL_VALUES_ONLY : {} };
}

/** The label's first word of the nearest node above `i`, e.g. `TableExpression`. */
function parentOf(nodes: AstNode[], i: number): string | undefined {
  const depth = (nodes[i] as AstNode).depth;
  for (let j = i - 1; j >= 0; j -= 1) {
    const node = nodes[j] as AstNode;
    if (node.depth < depth) {
      const label = node.label;
      return label.startsWith('Storage definition') ? 'Storage definition' : label.split(/\s+/)[0];
    }
  }
  return undefined;
}

const describe = (kind: string): string => kind.replace(/Query$/, '').toUpperCase();
