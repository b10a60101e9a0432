/**
 * Non-cooperative events, first slice: munmap() and UFFD_EVENT_UNMAP.
 * The expected deliveries were observed on the project's machine (Linux
 * 6.18, x86-64) with small C probes: one uffd registered on two separate
 * ranges of a mapping gets exactly one UNMAP message for the whole munmap()
 * range; two uffds with the feature get one each, in VMA order; a uffd without
 * the feature gets none; UFFDIO_COPY while the UNMAP event is unread fails
 * with EAGAIN and copy = -11, and succeeds once munmap() has returned.
 */
import test from 'ava';
import { checkScenario } from '../../cli/api.js';
import { parseScenario, ScenarioError } from '../../model/scenario.js';
import type { KernelState } from '../../model/state.js';
import { findVariant } from '../../model/variants.js';
import { builtinScenarioJson, findScenario } from '../../scenarios/builtin.js';
import { anonA, finished, model, outcomes, runPlan } from './helpers.js';

const EAGAIN = -11;

/** The UNMAP messages a thread consumed (resolve/serve record them): [start, end) in pages. */
function unmapsSeen(s: KernelState, name: string): [number, number][] {
  return outcomes(s, name).filter(o => o.what === 'UFFD_EVENT_UNMAP').map(o => [o.page!, o.value!]);
}

function idleInRead(s: KernelState, name: string): boolean {
  const th = s.threads.find(x => x.name === name)!;
  const f = th.frames[th.frames.length - 1];
  return f !== undefined && f.fn === 'userfaultfd_ctx_read' && f.at === 'schedule' && th.task !== 'RUNNING';
}

test('no-unmap-dedup violates unmap-event-exactly-once on unmap-two-vmas-one-uffd; mainline is ok there', t => {
  const sc = findScenario('unmap-two-vmas-one-uffd')!;
  const bad = checkScenario(sc, findVariant('no-unmap-dedup')!);
  t.is(bad.result.verdict, 'violation');
  t.is(bad.result.violation?.property, 'unmap-event-exactly-once');
  t.regex(bad.result.violation!.message, /2 UNMAP events to U/);
  const good = checkScenario(sc, findVariant('mainline')!);
  t.is(good.result.verdict, 'ok', good.result.violation?.message);
  t.true(good.result.complete);
});

test('unmap-one-vma: one UNMAP message for the whole range; munmap() returns only after it was read', t => {
  const m = model(builtinScenarioJson('unmap-one-vma'));
  const blocked = runPlan(m, ['w']);
  t.false(finished(blocked, 'w'));
  t.is(blocked.uffd[0]!.mmap_changing, 1);
  t.deepEqual(blocked.mm.vmas, [], 'the VMAs are gone before the event is queued');
  t.is(blocked.uffd[0]!.event_wqh.length, 1);
  const s = runPlan(m, ['m', 'w'], blocked);
  t.true(finished(s, 'w'));
  t.deepEqual(outcomes(s, 'w').map(o => [o.what, o.ret]), [['munmap', '0']]);
  t.deepEqual(unmapsSeen(s, 'm'), [[0, 2]]);
  t.true(idleInRead(s, 'm'));
  t.is(s.uffd[0]!.mmap_changing, 0);
  t.is(s.uffd[0]!.refcount, 1);
  t.deepEqual(s.uffd[0]!.event_wqh, []);
});

test('unmap-two-vmas-one-uffd: two VMAs of one uffd in the range give exactly one UNMAP message (has_unmap_ctx)', t => {
  const m = model(builtinScenarioJson('unmap-two-vmas-one-uffd'));
  const s = runPlan(m, ['w', 'm', 'w']);
  t.true(finished(s, 'w'));
  t.deepEqual(unmapsSeen(s, 'm'), [[0, 3]]);
  t.is(s.uffd[0]!.mmap_changing, 0);
  // Without the dedup, the same schedule shows the second message.
  const v = model(builtinScenarioJson('unmap-two-vmas-one-uffd'), 'no-unmap-dedup');
  const sv = runPlan(v, ['w', 'm', 'w', 'm', 'w']);
  t.deepEqual(unmapsSeen(sv, 'm'), [[0, 3], [0, 3]]);
});

test('unmap-two-uffds: one UNMAP message each to U and V (U first), none to X without the feature', t => {
  const m = model(builtinScenarioJson('unmap-two-uffds'));
  const afterU = runPlan(m, ['w', 'm1', 'm2']);
  // List order: U's entry (A[0]) is delivered first; V has nothing queued yet.
  t.deepEqual(afterU.uffd.map(c => c.event_wqh.length), [1, 0, 0]);
  t.deepEqual(afterU.uffd.map(c => c.mmap_changing), [1, 1, 0]);
  const s = runPlan(m, ['m0', 'w', 'm1', 'w'], afterU);
  t.true(finished(s, 'w'));
  t.deepEqual(unmapsSeen(s, 'm0'), [[0, 3]]);
  t.deepEqual(unmapsSeen(s, 'm1'), [[0, 3]]);
  t.deepEqual(unmapsSeen(s, 'm2'), []);
  t.true(['m0', 'm1', 'm2'].every(n => idleInRead(s, n)));
  t.deepEqual(s.uffd.map(c => c.mmap_changing), [0, 0, 0]);
});

test('COPY while an UNMAP event is pending: EAGAIN with copy = -11, also right after the read; 0 once munmap() returned', t => {
  const m = model({
    name: 'eagain', areas: anonA(2), uffds: [{ name: 'U', features: ['EVENT_UNMAP'], register: [{ area: 'A' }] }],
    threads: [
      { name: 'w', ops: [{ op: 'munmap', area: 'A', first: 1, pages: 1 }] },
      { name: 'm', role: 'monitor', ops: [{ op: 'copy', uffd: 'U', area: 'A', page: 0 }, { op: 'read_msgs', uffd: 'U' }, { op: 'copy', uffd: 'U', area: 'A', page: 0 }] },
      { name: 'm2', role: 'monitor', ops: [{ op: 'copy', uffd: 'U', area: 'A', page: 0, content: 7 }] },
    ],
  });
  const s1 = runPlan(m, ['w', 'm']);
  t.deepEqual(outcomes(s1, 'm').map(o => [o.what, o.ret, o.value]), [['UFFDIO_COPY', 'EAGAIN', EAGAIN], ['read()', '1', 1], ['UFFDIO_COPY', 'EAGAIN', EAGAIN]]);
  t.deepEqual(s1.threads[1]!.user.inbox, [{ event: 'UFFD_EVENT_UNMAP', start: 1, end: 2, address: 0, flags: 0 }]);
  // Read (acknowledged) but the producer has not run yet: mmap_changing is still raised.
  t.is(s1.uffd[0]!.mmap_changing, 1);
  t.deepEqual(s1.uffd[0]!.event_wqh, []);
  const s2 = runPlan(m, ['w'], s1);
  t.true(finished(s2, 'w'));
  t.is(s2.uffd[0]!.mmap_changing, 0);
  const s3 = runPlan(m, ['m2'], s2);
  t.deepEqual(outcomes(s3, 'm2').map(o => [o.ret, o.value]), [['0', 4096]]);
  t.deepEqual(s3.mm.pte[0], { content: 7, writable: true, cache: false });
});

test('COPY into the unmapped range after munmap(): ENOENT (copy = -2), nothing installed', t => {
  const m = model({
    name: 'enoent', areas: anonA(1), uffds: [{ name: 'U', features: ['EVENT_UNMAP'], register: [{ area: 'A' }] }],
    threads: [
      { name: 'w', ops: [{ op: 'munmap', area: 'A', first: 0, pages: 1 }] },
      { name: 'm', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U' }] },
      { name: 'c', role: 'monitor', ops: [{ op: 'copy', uffd: 'U', area: 'A', page: 0 }] },
    ],
  });
  const s = runPlan(m, ['w', 'm', 'w', 'c']);
  t.deepEqual(outcomes(s, 'c').map(o => [o.ret, o.value]), [['ENOENT', -2]]);
  t.is(s.mm.pte[0], null);
});

test('close() while the producer waits: wake_up_all(event_wqh) lets it see released, unlink itself and return', t => {
  const m = model({
    name: 'close', areas: anonA(1), uffds: [{ name: 'U', features: ['EVENT_UNMAP'], register: [{ area: 'A' }] }],
    threads: [
      { name: 'w', ops: [{ op: 'munmap', area: 'A', first: 0, pages: 1 }] },
      { name: 'm', role: 'monitor', ops: [{ op: 'close', uffd: 'U' }] },
    ],
  });
  const s = runPlan(m, ['w', 'm', 'w']);
  t.true(finished(s, 'w'));
  t.true(s.uffd[0]!.released);
  t.deepEqual(s.uffd[0]!.event_wqh, []);
  t.is(s.uffd[0]!.mmap_changing, 0);
  t.is(s.uffd[0]!.refcount, 0);
  t.deepEqual(s.unmaps.map(r => [r.expect, r.got.length, r.done]), [[[0], 0, true]]);
});

test('munmap() of a range whose uffd lacks UFFD_FEATURE_EVENT_UNMAP sends nothing and does not block', t => {
  const m = model({
    name: 'nofeature', areas: anonA(2), uffds: [{ name: 'U', register: [{ area: 'A' }] }],
    threads: [{ name: 'w', ops: [{ op: 'munmap', area: 'A', first: 0, pages: 1 }] }],
  });
  const s = runPlan(m, ['w']);
  t.true(finished(s, 'w'));
  t.is(s.uffd[0]!.mmap_changing, 0);
  t.deepEqual(s.mm.vmas.map(v => [v.start, v.end, v.uffd]), [[1, 2, 0]]);
});

test('every built-in unmap scenario is ok and COMPLETE on mainline with every goal reached (eagain-observed in copy-vs-unmap)', t => {
  for (const name of ['unmap-one-vma', 'unmap-two-vmas-one-uffd', 'unmap-two-uffds', 'copy-vs-unmap']) {
    const c = checkScenario(findScenario(name)!, findVariant('mainline')!);
    t.is(c.result.verdict, 'ok', `${name}: ${c.result.violation?.message}`);
    t.true(c.result.complete, name);
    t.deepEqual(c.result.goals.filter(g => !g.reached).map(g => g.name), [], name);
  }
  const copy = checkScenario(findScenario('copy-vs-unmap')!, findVariant('mainline')!);
  t.true(copy.result.goals.some(g => g.name === 'eagain-observed' && g.reached));
});

test('a munmap range must lie inside one area', t => {
  const sc = (first: number, pages: number) => ({ name: 'x', areas: anonA(2), threads: [{ name: 'w', ops: [{ op: 'munmap', area: 'A', first, pages }] }] });
  t.notThrows(() => parseScenario(sc(1, 1)));
  t.throws(() => parseScenario(sc(1, 2)), { instanceOf: ScenarioError, message: /ops\[0\]\.pages/ });
  t.throws(() => parseScenario(sc(2, 1)), { instanceOf: ScenarioError, message: /ops\[0\]\.first/ });
});
