/**
 * Validating a kernel patch: TypeScript variant files (the README's worked
 * example, run exactly as the README shows it), composition, `uffd-mc diff`
 * (introduced / fixed / vacuity), `steps`, and the cover-letter summary.
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summaryBlock, VERSION } from '../cli/api.js';
import { cli, oneErrorLine, tempDir } from './fixtures/cli-io.js';

/** The repository root (tests run from dist/test). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLE = 'examples/skip-pending-check.ts';
const COMPOSED = 'examples/skip-pending-check-no-seq.ts';
const VACUOUS = 'test/fixtures/variants/retry-instead-of-sleep.ts';
const at = (rel: string): string => join(ROOT, rel);

test('the README shows the example variant file verbatim, and the commands this test runs', t => {
  const readme = readFileSync(at('README.md'), 'utf8');
  const example = readFileSync(at(EXAMPLE), 'utf8');
  t.true(readme.includes(example.trimEnd()), `README.md must contain ${EXAMPLE} verbatim`);
  t.true(readme.includes(`npx uffd-mc check --variant ${EXAMPLE} fault-and-monitor fault-vs-copy`));
  t.true(readme.includes(`npx uffd-mc diff --base mainline --patched ${EXAMPLE} fault-and-monitor fault-vs-copy`));
});

test('README example: mainline passes both scenarios, the patch breaks fault-vs-copy (no-lost-wakeup)', async t => {
  const before = await cli(['check', 'fault-and-monitor', 'fault-vs-copy', '--no-time']);
  t.is(before.code, 0, before.io.stdout + before.io.stderr);
  const after = await cli(['check', '--variant', at(EXAMPLE), 'fault-and-monitor', 'fault-vs-copy', '--no-time', '--json']);
  t.is(after.io.stderr, '');
  t.is(after.code, 1);
  const rows = after.io.stdout.trim().split('\n').map(l => JSON.parse(l) as { scenario: string; variant: string; verdict: string; violation: { property: string } | null });
  t.deepEqual(rows.map(r => [r.scenario, r.variant, r.verdict, r.violation?.property ?? null]), [
    ['fault-and-monitor', 'skip-pending-check', 'ok', null],
    ['fault-vs-copy', 'skip-pending-check', 'violation', 'no-lost-wakeup'],
  ]);
});

test('README example: diff says the patch introduces no-lost-wakeup on fault-vs-copy, exit 1', async t => {
  const { code, io } = await cli(['diff', '--base', 'mainline', '--patched', at(EXAMPLE), 'fault-and-monitor', 'fault-vs-copy']);
  t.is(io.stderr, '');
  t.is(code, 1);
  const row = io.stdout.split('\n').find(l => l.startsWith('fault-vs-copy'))!;
  t.regex(row, /ok COMPLETE\s+violation COMPLETE\s+\d+ -> \d+\s+no-lost-wakeup\s+-/);
  t.regex(io.stdout.split('\n').find(l => l.startsWith('fault-and-monitor'))!, /ok COMPLETE\s+ok COMPLETE\s+\d+ -> \d+\s+-\s+-\s+all 2 reached/);
  t.true(io.stdout.includes('✗ the patch introduces: no-lost-wakeup on fault-vs-copy'));
});

test('variants compose: a .ts file importing another .ts variant as its base', async t => {
  const { code, io } = await cli(['steps', 'wake_userfault', '--variant', at(COMPOSED)]);
  t.is(io.stderr, '');
  t.is(code, 0);
  // Both patches are in: the base file's step, and the built-in no-refile-seq's two steps.
  t.true(io.stdout.includes('(patched) skip waitqueue_active(&ctx->fault_pending_wqh)'), io.stdout);
  t.true(io.stdout.includes('(patched) no read_seqcount_begin()'), io.stdout);
  t.true(io.stdout.includes('(patched) no read_seqcount_retry()'), io.stdout);
  const run = await cli(['check', '--variant', at(COMPOSED), 'fault-vs-copy', '--no-time']);
  t.is(run.code, 1);
  t.true(run.io.stdout.includes('skip-pending-check+no-refile-seq'));
});

test('a .ts variant with a syntax error: exit 2, one line with FILE:LINE:COL', async t => {
  const dir = tempDir(t);
  const file = join(dir, 'broken.ts');
  writeFileSync(file, `export default {\n  name: 'x',,\n};\n`);
  const { code, io } = await cli(['check', 'fault-and-monitor', '--variant', file, '--no-time']);
  t.is(code, 2);
  t.regex(oneErrorLine(t, io), new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2:\\d+`));
});

test('a .ts variant naming a step that does not exist: exit 2 naming it (never a silent no-op)', async t => {
  const dir = tempDir(t);
  const file = join(dir, 'typo.ts');
  writeFileSync(file, `import type { Variant } from 'uffd-mc';
import { goTo } from 'uffd-mc';
const v: Variant = { name: 'typo', description: 'x', cites: 'x', patches: [{ fn: 'wake_userfault', replace: {
  'waitqueue_active(fault_pending)': { doc: 'x', run: (d, t) => goTo(d, t, 'waitqueue_active(fault_wqh)') } } }] };
export default v;
`);
  const { code, io } = await cli(['check', 'fault-and-monitor', '--variant', file, '--no-time']);
  t.is(code, 2);
  const line = oneErrorLine(t, io);
  t.true(line.includes('"waitqueue_active(fault_pending)"') && line.includes('wake_userfault()'), line);
});

test('mainlineStep() of a step that does not exist: exit 2 naming it', async t => {
  const dir = tempDir(t);
  const file = join(dir, 'nostep.ts');
  writeFileSync(file, `import { mainlineStep } from 'uffd-mc';\nconst s = mainlineStep('handle_userfault', 'sleep');\nexport default { name: 'n', description: 'x', cites: 'x', patches: [{ fn: 'handle_userfault', replace: { queue: s } }] };\n`);
  const { code, io } = await cli(['check', 'fault-and-monitor', '--variant', file, '--no-time']);
  t.is(code, 2);
  t.true(oneErrorLine(t, io).includes('handle_userfault() has no step "sleep"'));
});

test('diff flags vacuity: a patch that never sleeps passes every safety property but loses fault-sleeps (exit 1)', async t => {
  const { code, io } = await cli(['diff', '--base', 'mainline', '--patched', at(VACUOUS), 'fault-vs-copy']);
  t.is(io.stderr, '');
  t.is(code, 1);
  const row = io.stdout.split('\n').find(l => l.startsWith('fault-vs-copy'))!;
  t.regex(row, /ok COMPLETE\s+vacuous COMPLETE\s+\d+ -> \d+\s+-\s+-\s+LOST: fault-sleeps/);
  t.true(io.stdout.includes('✗ VACUOUS: the patch makes a path the base reaches unreachable: fault-sleeps on fault-vs-copy'), io.stdout);
  t.false(io.stdout.includes('passes every scenario'));
});

test('diff of a fix (pre-fix variant -> mainline): fixed column, exit 0, the summary block', async t => {
  const { code, io } = await cli(['diff', '--base', 'no-must-wait-recheck', '--patched', 'mainline', 'fault-vs-copy', 'fault-and-monitor']);
  t.is(io.stderr, '');
  t.is(code, 0);
  t.regex(io.stdout.split('\n').find(l => l.startsWith('fault-vs-copy'))!, /violation COMPLETE\s+ok COMPLETE\s+\d+ -> \d+\s+-\s+no-lost-wakeup\s+all 1 reached/);
  t.true(io.stdout.includes('✓ the patch fixes: no-lost-wakeup on fault-vs-copy'));
  t.true(io.stdout.includes('✓ mainline passes every scenario, and every sometimes goal is reached'));
  t.true(io.stdout.includes(`Model-checked with uffd-mc ${VERSION}`));
});

test('diff usage errors: exit 2', async t => {
  for (const argv of [['diff', '--base', 'mainline'], ['diff', '--patched', 'mainline'], ['diff', '--base', 'mainline', '--patched', 'mainline', '--json'], ['diff', '--base', 'nope', '--patched', 'mainline', 'fault-vs-copy']]) {
    const { code, io } = await cli(argv);
    t.is(code, 2, argv.join(' '));
    t.is(io.stdout, '');
  }
});

test('diff output is deterministic (byte-identical twice)', async t => {
  const a = await cli(['diff', '--base', 'mainline', '--patched', 'no-refile-seq', 'refile-race']);
  const b = await cli(['diff', '--base', 'mainline', '--patched', 'no-refile-seq', 'refile-race']);
  t.is(a.code, 1);
  t.is(a.io.stdout, b.io.stdout);
});

test('diff --strategy random: the walks of check --strategy random (states per variant), BOUNDED(max-states) under a limit, byte-identical twice', async t => {
  const walks = ['--strategy', 'random', '--seed', '4', '--walks', '100'];
  const states = async (variant: string, extra: string[]): Promise<{ states: number; bound: string }> =>
    JSON.parse((await cli(['check', 'refile-race', '--variant', variant, ...walks, ...extra, '--json', '--no-time'])).io.stdout) as { states: number; bound: string };
  for (const extra of [[], ['--max-states', '50']]) {
    const argv = ['diff', '--base', 'mainline', '--patched', 'no-refile-seq', 'refile-race', ...walks, ...extra];
    const a = await cli(argv);
    const b = await cli(argv);
    t.is(a.io.stdout, b.io.stdout);
    const base = await states('mainline', extra);
    const patched = await states('no-refile-seq', extra);
    t.is(base.bound, extra.length === 0 ? 'random' : 'max-states');
    const row = new RegExp(`^refile-race +\\S+ BOUNDED\\(${base.bound}\\) +\\S+ BOUNDED\\(${patched.bound}\\) +${base.states} -> ${patched.states} `, 'm');
    t.regex(a.io.stdout, row);
  }
});

test('VERSION is package.json\'s version', t => {
  const pkg = JSON.parse(readFileSync(at('package.json'), 'utf8')) as { version: string };
  t.is(VERSION, pkg.version);
});

test('check --summary: a cover-letter block with the version, the variant, each verdict, states and COMPLETE', async t => {
  const { code, io } = await cli(['check', 'fault-and-monitor', 'fault-vs-copy', '--variant', 'no-must-wait-recheck', '--summary', '--no-time']);
  t.is(code, 1);
  const block = io.stdout.slice(io.stdout.indexOf('Model-checked with'));
  const lines = block.trimEnd().split('\n');
  t.is(lines[0], `Model-checked with uffd-mc ${VERSION} (userfaultfd model of Linux v6.18, bfs):`);
  t.true(lines[1]!.startsWith('  variant no-must-wait-recheck: '));
  t.regex(block, /fault-and-monitor\s+ok, \d+ states, COMPLETE/);
  t.regex(block, /fault-vs-copy\s+violates no-lost-wakeup, \d+ states, COMPLETE/);
  t.regex(lines.at(-1)!, /^ {2}2 scenarios, 1 variant, \d+ states explored; every run COMPLETE$/);
});

test('check --summary --json is a usage error (the block is text)', async t => {
  const { code, io } = await cli(['check', 'fault-and-monitor', '--summary', '--json']);
  t.is(code, 2);
  t.true(io.stderr.includes('does not combine with --json'));
});

test('summaryBlock says BOUNDED when a bound cut a run', async t => {
  const { io } = await cli(['check', 'fault-and-monitor', '--max-states', '5', '--summary', '--no-time']);
  t.regex(io.stdout, /fault-and-monitor\s+ok, \d+ states, BOUNDED\(max-states\)/);
  t.regex(io.stdout, /1 run BOUNDED/);
  t.is(summaryBlock([]).split('\n')[0], `Model-checked with uffd-mc ${VERSION} (userfaultfd model of Linux v6.18, bfs):`);
});

test('steps lists a function\'s steps with their docs; an unknown function is exit 2', async t => {
  const { code, io } = await cli(['steps', 'wake_userfault']);
  t.is(code, 0);
  t.true(io.stdout.startsWith('wake_userfault()  [fs/userfaultfd.c: wake_userfault()]  entry: read_seqcount_begin\n'));
  for (const label of ['read_seqcount_begin', 'waitqueue_active(fault_pending_wqh)', 'waitqueue_active(fault_wqh)', 'read_seqcount_retry', '__wake_userfault']) {
    t.true(io.stdout.includes(`\n  ${label} `), label);
  }
  const bad = await cli(['steps', 'wake_userfaultfd']);
  t.is(bad.code, 2);
  t.true(oneErrorLine(t, bad.io).includes('wake_userfaultfd()'));
});
