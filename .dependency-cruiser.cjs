/**
 * Layers point one way (STYLE.md "Layers, enforced"):
 *   lib/  <-  domain: producers/*, alerting/, console/, clickhouse/  <-  wiring: stack/ (demo,
 *   detection stack)  <-  entry points: cli/, bin/, tools/, scripts/
 * Test code (test/, *.test.ts, any testing/ folder) and bench/ may import anything; nothing
 * else imports them; bench/ may use test/'s builders, so test/ never imports bench/ (no cycle).
 * Only the wrappers in lib/kafka and lib/clickhouse talk to the drivers.
 * There is no exceptions list: a violation is fixed by moving code, not by allowing it.
 */
const TEST = '(^test/|\\.test\\.ts$|/testing/)';
const DOMAIN = '^(producers|alerting|console|clickhouse)/';
const WIRING = '^stack/';
const ENTRY = '^(cli|bin|tools|scripts)/';

module.exports = {
  forbidden: [
    {
      name: 'lib-imports-only-lib',
      comment: 'lib/ is under everything: it imports nothing of ours from above.',
      severity: 'error',
      from: { path: '^lib/', pathNot: TEST },
      to: { path: '^(producers|alerting|console|clickhouse|stack|cli|bin|tools|scripts|bench|test)/' },
    },
    {
      name: 'domain-below-wiring',
      comment: 'producers, alerting, console and the schema tooling never import the platform wiring or entry points.',
      severity: 'error',
      from: { path: DOMAIN, pathNot: TEST },
      to: { path: `(${WIRING}|${ENTRY})` },
    },
    {
      name: 'wiring-below-entry-points',
      comment: 'stack/ (demo, detection stack, local stack) is started by cli/ and scripts, never the other way.',
      severity: 'error',
      from: { path: WIRING, pathNot: TEST },
      to: { path: ENTRY },
    },
    {
      name: 'nothing-imports-tests-or-benchmarks',
      comment: 'Shipped code never depends on test doubles, fixtures or benchmarks.',
      severity: 'error',
      from: { pathNot: `(${TEST}|^bench/)` },
      to: { path: `(${TEST}|^bench/)` },
    },
    {
      name: 'tests-do-not-import-benchmarks',
      comment:
        'bench/ reuses test/ builders; the reverse would make the two import each other. A benchmark helper\'s own unit test sits beside it in bench/.',
      severity: 'error',
      from: { path: TEST, pathNot: '^bench/' },
      to: { path: '^bench/' },
    },
    {
      name: 'only-wrappers-import-drivers',
      comment: 'kafkajs, @clickhouse/client and chdb are wrapped once, in lib/kafka and lib/clickhouse.',
      severity: 'error',
      from: { path: '^(?!lib/(kafka|clickhouse)/)', pathNot: `(${TEST}|^bench/)` },
      to: { path: 'node_modules/(kafkajs|@clickhouse/client|chdb)/' },
    },
    {
      name: 'no-cycles',
      comment: 'Modules that import each other cannot be read, tested or moved one at a time.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unresolvable-imports',
      comment: 'An import that resolves to nothing is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Resolve package subpaths (chdb/connection, tsx/esm/api) through their "exports" maps.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types'],
    },
    exclude: { path: '^(\\.kafka|\\.node|\\.stack)/' },
  },
};
