/**
 * Minor faults and UFFDIO_CONTINUE on shmem (issue 4, seed 004). Every errno
 * and output field here is what Linux 6.18 gives: the conformance cases
 * continue-shmem, continue-errors, continue-eagain, continue-partial and
 * continue-minor-fault (conformance/cases-events.ts) run the same operations
 * on the kernel and agree with the model.
 */
import test from 'ava';
import { asleepInFault, finished, model, outcomes, runPlan } from './helpers.js';
import { checkScenario } from '../../cli/api.js';
import { findScenario } from '../../scenarios/builtin.js';
import { ScenarioError, parseScenario } from '../../model/scenario.js';
import { findVariant } from '../../model/variants.js';

const PAGE = 4096;
const EAGAIN = -11;
const EFAULT = -14;
const EEXIST = -17;
const EINVAL = -22;
const ENOENT = -2;

const shmemA = (pages: number, extra: object = {}) => [{ name: 'A', pages, kind: 'shmem', ...extra }];
const minorU = (pages: number, modes = ['MINOR'], extra: object = {}) => [{ name: 'U', register: [{ area: 'A', first: 0, pages, modes }], ...extra }];
const raw = (area: string, offset: number, len: number | string, mode = 0) => ({ op: 'raw_ioctl', uffd: 'U', cmd: 'CONTINUE', area, offset, len, mode });
const rets = (o: { what: string; ret: string; value: number | null }[]) => o.map(x => [x.what, x.ret, x.value]);

test('CONTINUE: no page-cache page -> EFAULT (mapped = -14); a cached page with no pte -> 0 (mapped = 4096); again -> EEXIST (-17)', t => {
  const m = model({ name: 'c', areas: shmemA(1, { cached: 5 }), uffds: minorU(1), threads: [{ name: 'w', ops: [
    raw('A', 0, PAGE), raw('A', 0, PAGE), { op: 'read', area: 'A', page: 0 }] }] });
  t.deepEqual(rets(outcomes(runPlan(m, ['w']), 'w')), [['UFFDIO_CONTINUE', '0', PAGE], ['UFFDIO_CONTINUE', 'EEXIST', EEXIST], ['read', 'ok', 5]]);
  const empty = model({ name: 'e', areas: shmemA(1), uffds: minorU(1), threads: [{ name: 'w', ops: [raw('A', 0, PAGE)] }] });
  t.deepEqual(rets(outcomes(runPlan(empty, ['w']), 'w')), [['UFFDIO_CONTINUE', 'EFAULT', EFAULT]]);
});

test('CONTINUE errors: anon VMA EINVAL (-22), unregistered ENOENT (-2), unknown mode bit, misaligned start, zero length and wraparound EINVAL with mapped unwritten', t => {
  const m = model({ name: 'errs', areas: [{ name: 'A', pages: 1, kind: 'anon' }, { name: 'S', pages: 1, kind: 'shmem' }, { name: 'B', pages: 1, kind: 'anon' }],
    uffds: [{ name: 'U', register: [{ area: 'A', first: 0, pages: 1 }, { area: 'S', first: 0, pages: 1, modes: ['MINOR'] }] }],
    threads: [{ name: 'w', ops: [raw('A', 0, PAGE), raw('B', 0, PAGE), raw('S', 0, PAGE, 4), raw('S', 1, PAGE), raw('S', 0, 0), raw('S', 0, '0xfffffffffffff000')] }] });
  t.deepEqual(rets(outcomes(runPlan(m, ['w']), 'w')), [
    ['UFFDIO_CONTINUE', 'EINVAL', EINVAL], ['UFFDIO_CONTINUE', 'ENOENT', ENOENT], ['UFFDIO_CONTINUE', 'EINVAL', null],
    ['UFFDIO_CONTINUE', 'EINVAL', null], ['UFFDIO_CONTINUE', 'EINVAL', null], ['UFFDIO_CONTINUE', 'EINVAL', null]]);
});

test('CONTINUE: partial progress -> EAGAIN with mapped = 4096; UFFDIO_CONTINUE_MODE_WP on a range not registered WP -> EINVAL, mapped = -22', t => {
  const m = model({ name: 'p', areas: [...shmemA(2), { name: 'B', pages: 2, kind: 'shmem', file: 'A' }], uffds: minorU(2),
    threads: [{ name: 'w', ops: [{ op: 'write', area: 'B', page: 0, value: 8 }, raw('A', 0, 2 * PAGE), raw('A', PAGE, PAGE, 2)] }] });
  t.deepEqual(rets(outcomes(runPlan(m, ['w']), 'w')).slice(1), [['UFFDIO_CONTINUE', 'EAGAIN', PAGE], ['UFFDIO_CONTINUE', 'EINVAL', EINVAL]]);
});

test('CONTINUE while an UNMAP event is unread: EAGAIN with mapped = -EAGAIN (-11); after the event is read it maps', t => {
  const m = model({ name: 'eagain', areas: shmemA(2, { cached: 3 }), uffds: minorU(2, ['MINOR'], { features: ['EVENT_UNMAP'] }), threads: [
    { name: 'w', ops: [{ op: 'munmap', area: 'A', first: 1, pages: 1 }] },
    { name: 'm', role: 'monitor', ops: [raw('A', 0, PAGE), { op: 'read_msgs', uffd: 'U' }] },
    { name: 'm2', role: 'monitor', ops: [raw('A', 0, PAGE), { op: 'read', area: 'A', page: 0 }] }] });
  const s = runPlan(m, ['w', 'm', 'w', 'm2']);
  t.deepEqual(rets(outcomes(s, 'm'))[0], ['UFFDIO_CONTINUE', 'EAGAIN', EAGAIN]);
  t.deepEqual(rets(outcomes(s, 'm2')), [['UFFDIO_CONTINUE', '0', PAGE], ['read', 'ok', 3]]);
});

test('a minor fault: flags UFFD_PAGEFAULT_FLAG_MINOR (4, 5 for a write); CONTINUE with DONTWAKE wakes nobody, UFFDIO_WAKE does; the faulter sees the page cache', t => {
  const m = model({ name: 'minor', areas: shmemA(2, { cached: 9 }), uffds: minorU(2), threads: [
    { name: 'r', ops: [{ op: 'read', area: 'A', page: 0 }] },
    { name: 'x', ops: [{ op: 'write', area: 'A', page: 1, value: 3 }, { op: 'read', area: 'A', page: 1 }] },
    { name: 'm', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U', max: 2 }, { op: 'continue', uffd: 'U', area: 'A', page: 0, pages: 2, dontwake: true }] },
    { name: 'm2', role: 'monitor', ops: [{ op: 'wake', uffd: 'U', area: 'A', first: 0, pages: 2 }] }] });
  let s = runPlan(m, ['r', 'x', 'm']);
  t.deepEqual(s.threads.find(x => x.name === 'm')!.user.inbox.map(x => [x.address, x.flags]), [[0, 4], [1, 5]]);
  t.true(asleepInFault(s, 'r') && asleepInFault(s, 'x'));
  s = runPlan(m, ['m2', 'r', 'x'], s);
  t.true(finished(s, 'r') && finished(s, 'x'));
  t.deepEqual(rets(outcomes(s, 'r')), [['read', 'ok', 9]]);
  t.deepEqual(rets(outcomes(s, 'x')), [['write', 'ok', 3], ['read', 'ok', 3]]);
  t.is(s.mm.page_cache[0]![1], 3); // a shared mapping writes the file
});

test('CONTINUE without DONTWAKE wakes the faulter, which sees what was written through the second mapping', t => {
  const m = model({ name: 'gc', areas: [...shmemA(1, { file: 'F' }), { name: 'B', pages: 1, kind: 'shmem', file: 'F' }], uffds: minorU(1), threads: [
    { name: 'gc', role: 'monitor', ops: [{ op: 'write', area: 'B', page: 0, value: 42 }] },
    { name: 't0', ops: [{ op: 'read', area: 'A', page: 0 }] },
    { name: 'm', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U' }, { op: 'resolve', uffd: 'U', how: 'continue' }] }] });
  const s = runPlan(m, ['gc', 't0', 'm', 't0']);
  t.deepEqual(outcomes(s, 't0').map(o => [o.value, o.expected]), [[42, 42]]);
});

test('MAP_PRIVATE: CONTINUE maps the folio read-only; a write then CoWs without a uffd fault and the file keeps its content', t => {
  const m = model({ name: 'priv', areas: [...shmemA(1, { shared: false, file: 'F', cached: 42 }), { name: 'B', pages: 1, kind: 'shmem', file: 'F' }], uffds: minorU(1), threads: [
    { name: 'w', ops: [raw('A', 0, PAGE), { op: 'read', area: 'A', page: 0 }, { op: 'write', area: 'A', page: 0, value: 9 }, { op: 'read', area: 'A', page: 0 }, { op: 'read', area: 'B', page: 0 }] }] });
  const s = runPlan(m, ['w']);
  t.deepEqual(rets(outcomes(s, 'w')), [['UFFDIO_CONTINUE', '0', PAGE], ['read', 'ok', 42], ['write', 'ok', 9], ['read', 'ok', 9], ['read', 'ok', 42]]);
  t.is(s.uffd[0]!.fault_pending_wqh.length, 0);
  t.deepEqual(s.mm.pte[0], { content: 9, writable: true, cache: false });
  t.is(s.mm.page_cache[0]![0], 42);
});

test('the minor-fault built-ins are ok and COMPLETE on mainline; continue-private-writable breaks private-file-pte-readonly', t => {
  const mainline = findVariant('mainline')!;
  for (const name of ['android-gc-like', 'two-minor-faulters', 'private-continue-cow', 'continue-vs-unmap']) {
    const r = checkScenario(findScenario(name)!, mainline, {});
    t.is(r.result.verdict, 'ok', name);
    t.true(r.result.complete, name);
  }
  const bad = checkScenario(findScenario('private-continue-cow')!, findVariant('continue-private-writable')!, {});
  t.is(bad.result.verdict, 'violation');
  t.is(bad.result.violation?.property, 'private-file-pte-readonly');
});

test('scenario format: file and cached only on shmem; conflicting cached content of one file is refused; WP registration still forbids accesses', t => {
  const bad = (areas: unknown[], msg: RegExp, extra: object = {}) => {
    const e = t.throws(() => parseScenario({ name: 'x', areas, threads: [{ name: 'w', ops: [] }], ...extra }), { instanceOf: ScenarioError });
    t.regex(e?.message ?? '', msg);
  };
  bad([{ name: 'A', pages: 1, kind: 'anon', file: 'F' }], /areas\[0\]\.file: expected no file for an anon area/);
  bad([{ name: 'A', pages: 1, kind: 'shmem', file: 'F', cached: 1 }, { name: 'B', pages: 1, kind: 'shmem', file: 'F', cached: 2 }], /areas\[1\]\.cached: expected the same cached content as A/);
  const e = t.throws(() => parseScenario({ name: 'x', areas: shmemA(1), uffds: minorU(1, ['WP']), threads: [{ name: 'w', ops: [{ op: 'read', area: 'A', page: 0 }] }] }), { instanceOf: ScenarioError });
  t.regex(e?.message ?? '', /WP faults are not modelled yet/);
});
