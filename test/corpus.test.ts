/**
 * The known-bug corpus (scenarios/known-bugs.ts), both directions: each
 * modelled entry's pre-fix variant violates its property on its scenario,
 * and mainline passes it (COMPLETE). Entries the model cannot express yet
 * are listed as such, never as passing.
 */
import test from 'ava';
import { checkCorpusEntry, formatCorpus, knownBugs } from '../cli/api.js';
import type { CorpusEntry } from '../cli/api.js';
import { findScenario } from '../scenarios/builtin.js';
import { findVariant } from '../model/variants.js';
import { makeProperties } from '../properties/index.js';
import { isModelled } from '../scenarios/known-bugs.js';
import { cli } from './fixtures/cli-io.js';

/** The entries of ../shared/reference/known-bugs.md (its ### headings), plus the seed 001 dedup. */
const KNOWN_BUGS_MD = ['1', '2', '5', '6', '10', '11', '13', '16', '17', 'seed-001'];

test('the corpus lists every known-bugs.md entry and the seed 001 dedup, once each', t => {
  t.deepEqual(knownBugs.map(e => e.id), KNOWN_BUGS_MD);
});

test('every modelled entry names a built-in variant, a built-in scenario and a registered property', t => {
  const props = makeProperties(() => '').map(p => p.name);
  for (const e of knownBugs) {
    if (!isModelled(e.check)) {
      t.true(e.check.needs.length > 20, `${e.id}: says what it needs`);
      continue;
    }
    t.truthy(findVariant(e.check.variant), `${e.id}: variant ${e.check.variant}`);
    t.truthy(findScenario(e.check.scenario), `${e.id}: scenario ${e.check.scenario}`);
    t.true(props.includes(e.check.property), `${e.id}: property ${e.check.property}`);
    t.not(e.check.variant, 'mainline', `${e.id}: a pre-fix variant is not mainline`);
  }
  t.true(knownBugs.filter(e => isModelled(e.check)).length >= 4);
});

for (const e of knownBugs.filter(x => isModelled(x.check))) {
  const c = e.check as Extract<CorpusEntry['check'], { variant: string }>;
  test(`corpus #${e.id}: ${c.variant} violates ${c.property} on ${c.scenario}; mainline passes it, COMPLETE`, t => {
    const row = checkCorpusEntry(e);
    t.is(row.prefix!.result.violation?.property, c.property, row.note);
    t.not(row.prefix!.result.violation?.kind, 'sometimes');
    t.is(row.fixed!.result.verdict, 'ok', row.note);
    t.true(row.fixed!.result.complete);
    t.is(row.status, 'pass', row.note);
  });
}

test('a corpus entry whose "pre-fix" variant is the fix FAILs (the check can fail)', t => {
  const e: CorpusEntry = { id: 'x', title: 't', commit: 'c', scope: 'SC', invariant: 'G3', check: { variant: 'mainline', scenario: 'fault-vs-copy', property: 'no-lost-wakeup' } };
  const row = checkCorpusEntry(e);
  t.is(row.status, 'FAIL');
  t.true(row.note.includes('mainline finds no violation (expected no-lost-wakeup)'));
  const wrong: CorpusEntry = { ...e, check: { variant: 'no-must-wait-recheck', scenario: 'fault-vs-copy', property: 'no-lost-wakeup', fixed: 'unregister-no-wake' } };
  t.is(checkCorpusEntry(wrong).status, 'pass', 'unregister-no-wake does not break fault-vs-copy');
  const broken: CorpusEntry = { ...e, check: { variant: 'no-must-wait-recheck', scenario: 'fault-vs-copy', property: 'no-lost-wakeup', fixed: 'no-must-wait-recheck' } };
  t.is(checkCorpusEntry(broken).status, 'FAIL');
  t.true(formatCorpus([checkCorpusEntry(broken)]).includes('corpus: 0 pass, 1 fail, 0 not yet modelled'));
});

test('check --corpus prints one row per entry, unmodelled ones as "not yet modelled: needs", exit 0', async t => {
  const { code, io } = await cli(['check', '--corpus']);
  t.is(io.stderr, '');
  t.is(code, 0);
  const rows = io.stdout.split('\n');
  for (const e of knownBugs) {
    const i = rows.findIndex(l => l.startsWith(`${e.id} `));
    t.true(i > 0, e.id);
    const row = rows[i]!;
    t.true(row.endsWith(e.title), row);
    if (isModelled(e.check)) t.regex(row, new RegExp(`${e.check.variant}\\s+${e.check.scenario}\\s+${e.check.property}\\s+violates \\(depth \\d+\\)\\s+ok \\(\\d+ states\\)\\s+pass\\s`));
    else {
      t.regex(row, /\s-\s+not yet modelled\s/);
      t.is(rows[i + 1]!.trim(), `not yet modelled: needs ${e.check.needs}`);
    }
  }
  const modelled = knownBugs.filter(e => isModelled(e.check)).length;
  t.true(io.stdout.includes(`corpus: ${modelled} pass, 0 fail, ${knownBugs.length - modelled} not yet modelled (of ${knownBugs.length} entries)`));
  const usage = await cli(['check', '--corpus', 'fault-vs-copy']);
  t.is(usage.code, 2);
});
