/**
 * Every built-in scenario passes on mainline (except wake-reference, whose
 * complete run is a benchmark, not a unit test); every variant finds its
 * counterexample, the trace replays to the same violation, and the same
 * schedule does not violate anything on mainline.
 */
import test from 'ava';
import { assertDeterministic } from '../../checker/index.js';
import { buildModel } from '../../model/index.js';
import { applyPatches, builtinVariants, findVariant, kernelFor, VariantError } from '../../model/variants.js';
import type { Variant } from '../../model/variants.js';
import { mainlineKernel } from '../../model/kernel.js';
import { builtinScenarios, findScenario } from '../../scenarios/builtin.js';
import { checkScenario, replayTrace, toCheckerModel } from '../../cli/api.js';

const mainline = findVariant('mainline')!;

for (const sc of builtinScenarios.filter(s => s.name !== 'wake-reference' && s.expect === 'ok')) {
  test(`mainline: ${sc.name} is ${sc.expect}, COMPLETE, every goal reached`, t => {
    const c = checkScenario(sc, mainline);
    t.is(c.result.verdict, sc.expect, c.result.violation?.message);
    t.true(c.result.complete);
    t.true(c.result.goals.length > 0, 'some sometimes-goal applies');
    t.deepEqual(c.result.goals.filter(g => !g.reached), []);
  });
}

const demos = builtinVariants.filter((v): v is Variant & { demonstrates: { scenario: string; property: string } } => v.demonstrates !== undefined);

test('mainline: monitor-faults-on-own-range deadlocks, and the report says who waits for whom', t => {
  const c = checkScenario(findScenario('monitor-faults-on-own-range')!, mainline);
  t.is(c.result.verdict, 'violation');
  t.is(c.result.violation?.property, 'no-deadlock');
  const msg = c.result.violation!.message;
  t.regex(msg, /w in userfaultfd_event_wait_completion\(\):schedule: .*UFFD_EVENT_UNMAP event \[1, 2\) queued on U\.event_wqh, not yet read/);
  t.regex(msg, /m in handle_userfault\(\):schedule: .*on U\.fault_pending_wqh, page 0/);
});

test('every variant but mainline says where its bug shows, or which older kernel it follows', t => {
  t.deepEqual(builtinVariants.filter(v => v.name !== 'mainline' && v.demonstrates === undefined && v.olderKernel === undefined).map(v => v.name), []);
  t.true(demos.length >= 4);
});

for (const v of demos) {
  test(`${v.name}: violates ${v.demonstrates.property} on ${v.demonstrates.scenario}; the trace replays; mainline runs the schedule clean`, t => {
    const sc = findScenario(v.demonstrates.scenario)!;
    const c = checkScenario(sc, v);
    t.is(c.result.verdict, 'violation');
    t.is(c.result.violation?.property, v.demonstrates.property);
    const trace = c.trace!;
    t.is(trace.steps.length, c.result.violation!.depth);
    assertDeterministic(toCheckerModel(buildModel(sc, v)), trace.steps.map(s => s.choice));
    const again = replayTrace(trace, v);
    t.is(again.exitCode, 1);
    t.is(again.violation?.property, v.demonstrates.property);
    const onMainline = replayTrace(trace, mainline);
    t.not(onMainline.exitCode, 1, onMainline.text);
  });
}

test('no-refile-seq also loses the wakeup in the smallest refile race (refile-race)', t => {
  const c = checkScenario(findScenario('refile-race')!, findVariant('no-refile-seq')!);
  t.is(c.result.violation?.property, 'no-lost-wakeup');
  // The lost wakeup needs the copier's lockless checks to fall between the reader's list_del and add_wait_queue.
  const labels = c.trace!.steps.map(s => s.label);
  const del = labels.findIndex(l => l.startsWith('r userfaultfd_ctx_read():add_wait_queue(fd_wqh)'));
  const add = labels.findIndex(l => l.startsWith('r userfaultfd_ctx_read():add_wait_queue(fault_wqh)'));
  const check = labels.findIndex(l => l.startsWith('c wake_userfault():waitqueue_active(fault_wqh)'));
  t.true(del >= 0 && del < check && check < add, labels.join('\n'));
});

test('a patch naming a missing function or step is an error, not a no-op', t => {
  const step = mainlineKernel['wake_userfault']!.steps['read_seqcount_retry']!;
  t.throws(() => applyPatches(mainlineKernel, 'x', [{ fn: 'no_such_fn', replace: {} }]), { instanceOf: VariantError, message: /no_such_fn/ });
  t.throws(() => applyPatches(mainlineKernel, 'x', [{ fn: 'wake_userfault', replace: { nope: step } }]), { instanceOf: VariantError, message: /"nope"/ });
  t.throws(() => applyPatches(mainlineKernel, 'x', [{ fn: 'wake_userfault', add: { read_seqcount_retry: step } }]), { instanceOf: VariantError, message: /already/ });
});

test('variants compose through base, and a base loop is an error', t => {
  const composed: Variant = { name: 'both', description: 'x', cites: 'x', base: 'no-refile-seq', patches: [{ fn: 'userfaultfd_unregister', replace: { userfaultfd_missing: findVariant('unregister-no-wake')!.patches[0]!.replace!['userfaultfd_missing']! } }] };
  const k = kernelFor(composed);
  t.is(k['wake_userfault']!.steps['read_seqcount_retry'], findVariant('no-refile-seq')!.patches[0]!.replace!['read_seqcount_retry']);
  t.is(checkScenario(findScenario('unregister-while-waiting')!, composed).result.violation?.property, 'no-lost-wakeup');
  const a: Variant = { name: 'a', description: '', cites: '', base: 'b', patches: [] };
  const b: Variant = { name: 'b', description: '', cites: '', base: 'a', patches: [] };
  t.throws(() => kernelFor(a, n => (n === 'a' ? a : n === 'b' ? b : undefined)), { instanceOf: VariantError, message: /loops/ });
});
