/**
 * hugetlb (issue 4, seed 004): hugetlb_fault() under the fault mutex,
 * mfill_atomic_hugetlb(), the variant hugetlb-userfault-holding-mutex and the
 * properties hugetlb-mutual-exclusion and no-sleep-holding-fault-mutex. The
 * errnos and output fields here are what Linux 6.18 gives: the conformance
 * cases hugetlb-* (conformance/cases-events.ts) run the same operations on the
 * kernel and agree with the model.
 */
import test from 'ava';
import { asleepInFault, model, outcomes, runPlan } from './helpers.js';
import { checkScenario, toCheckerModel } from '../../cli/api.js';
import { check } from '../../checker/index.js';
import { buildModel } from '../../model/index.js';
import { goTo, local, setLocal } from '../../model/engine.js';
import { fault_mutex_lock, hugetlb_fault_mutex_hash } from '../../model/mm/hugetlb.js';
import { vma_lookup } from '../../model/mm/vma.js';
import { ScenarioError, parseScenario } from '../../model/scenario.js';
import type { Scenario } from '../../model/scenario.js';
import type { Variant } from '../../model/variants.js';
import { findVariant } from '../../model/variants.js';
import { findScenario } from '../../scenarios/builtin.js';

const PAGE = 4096;
const HPAGE = 2 << 20;
const EFAULT = -14;
const EEXIST = -17;
const EINVAL = -22;

const mainline = findVariant('mainline')!;
const holding = findVariant('hugetlb-userfault-holding-mutex')!;
const hugeH = (pages: number, extra: object = {}) => [{ name: 'H', pages, kind: 'hugetlb', ...extra }];
const regU = (pages: number, modes = ['MISSING']) => [{ name: 'U', register: [{ area: 'H', first: 0, pages, modes }] }];
const raw = (cmd: string, offset: number, len: number | string, mode = 0) => ({ op: 'raw_ioctl', uffd: 'U', cmd, area: 'H', offset, len, mode });
const rets = (o: { what: string; ret: string; value: number | null; out: string | null }[]) => o.map(x => [x.what, x.ret, x.out ?? x.value]);

/** The first violation of `property` alone (the other properties switched off), or null. */
function violationOf(sc: Scenario, v: Variant, property: string) {
  const cm = toCheckerModel(buildModel(sc, v));
  return check({ ...cm, properties: cm.properties.filter(p => p.name === property) }, { strategy: 'bfs' }).violation;
}

test('REGISTER on hugetlb: the ioctls have no ZEROPAGE (UFFD_API_RANGE_IOCTLS_BASIC): MISSING 0x10c, WP 0x14c, MINOR 0x18c, all 0x1cc', t => {
  const reg = (first: number, modes: string[]) => ({ op: 'register', uffd: 'U', area: 'H', first, pages: 1, modes });
  const m = model({ name: 'r', areas: hugeH(4), uffds: [{ name: 'U' }], threads: [{ name: 'w', ops: [
    reg(0, ['MISSING']), reg(1, ['WP']), reg(2, ['MINOR']), reg(3, ['MISSING', 'WP', 'MINOR'])] }] });
  t.deepEqual(outcomes(runPlan(m, ['w']), 'w').map(o => o.out), ['0x10c', '0x14c', '0x18c', '0x1cc']);
});

test('hugetlb alignment: REGISTER with a start or an end inside a huge page EINVAL; UNREGISTER with such a start EINVAL, and with such an end (the split fails) EINVAL', t => {
  const m = model({ name: 'a', areas: hugeH(2), uffds: [{ name: 'U' }], threads: [{ name: 'w', ops: [
    raw('REGISTER', PAGE, HPAGE - PAGE, 1), raw('REGISTER', 0, HPAGE + PAGE, 1), raw('REGISTER', 0, 2 * HPAGE, 1),
    raw('UNREGISTER', PAGE, HPAGE - PAGE), raw('UNREGISTER', 0, HPAGE + PAGE), raw('UNREGISTER', 0, HPAGE)] }] });
  t.deepEqual(outcomes(runPlan(m, ['w']), 'w').map(o => o.ret), ['EINVAL', 'EINVAL', '0', 'EINVAL', 'EINVAL', '0']);
});

test('hugetlb fills: COPY reports 2 MiB per huge page; again EEXIST; ZEROPAGE EINVAL (-22); a range inside a huge page EINVAL (-22); CONTINUE with no page-cache page EFAULT (-14)', t => {
  const m = model({ name: 'f', areas: hugeH(2), uffds: regU(2, ['MISSING', 'MINOR']), threads: [{ name: 'w', ops: [
    raw('COPY', 0, HPAGE), raw('COPY', 0, HPAGE), raw('ZEROPAGE', HPAGE, HPAGE), raw('COPY', HPAGE, PAGE), raw('COPY', PAGE, HPAGE),
    raw('CONTINUE', HPAGE, HPAGE), raw('CONTINUE', 0, HPAGE), raw('CONTINUE', 0, HPAGE, 4)] }] });
  t.deepEqual(rets(outcomes(runPlan(m, ['w']), 'w')), [
    ['UFFDIO_COPY', '0', HPAGE], ['UFFDIO_COPY', 'EEXIST', EEXIST], ['UFFDIO_ZEROPAGE', 'EINVAL', EINVAL], ['UFFDIO_COPY', 'EINVAL', EINVAL],
    ['UFFDIO_COPY', 'EINVAL', EINVAL], ['UFFDIO_CONTINUE', 'EFAULT', EFAULT], ['UFFDIO_CONTINUE', 'EEXIST', EEXIST], ['UFFDIO_CONTINUE', 'EINVAL', null]]);
});

test('hugetlb MAP_PRIVATE: COPY makes an anonymous page, so CONTINUE there finds no page-cache folio (EFAULT)', t => {
  const m = model({ name: 'p', areas: hugeH(1, { shared: false }), uffds: regU(1, ['MISSING', 'MINOR']), threads: [{ name: 'w', ops: [
    { op: 'copy', uffd: 'U', area: 'H', page: 0, content: 5 }, raw('CONTINUE', 0, HPAGE), { op: 'read', area: 'H', page: 0 }] }] });
  const s = runPlan(m, ['w']);
  t.deepEqual(rets(outcomes(s, 'w')), [['UFFDIO_COPY', '0', HPAGE], ['UFFDIO_CONTINUE', 'EFAULT', EFAULT], ['read', 'ok', 5]]);
  t.deepEqual(s.mm.page_cache[0], [null]);
});

test('a minor fault on hugetlb: the page written through the second mapping is in the page cache, the fault carries UFFD_PAGEFAULT_FLAG_MINOR (4), drops the fault mutex before it sleeps, and CONTINUE maps what was written', t => {
  const m = model(findScenario('hugetlb-android-gc-like'));
  // gc writes B[0] (a fault that allocates the huge page into the page cache), then t0 faults on A[0].
  let s = runPlan(m, ['gc', 't0']);
  t.true(asleepInFault(s, 't0'));
  t.deepEqual(s.mm.hugetlb_fault_mutex, [], 'no fault mutex held while t0 sleeps');
  t.deepEqual(s.uffd[0]!.fault_pending_wqh.map(u => u.msg.flags), [4]);
  s = runPlan(m, ['gc', 't0'], s);
  const read = outcomes(s, 't0').find(o => o.what === 'read')!;
  t.is(read.value, 42);
  t.is(read.expected, 42);
  t.true(s.mm.pte[0]!.cache && s.mm.pte[0]!.writable, 'a shared CONTINUE maps the folio writable');
});

test('hugetlb MAP_PRIVATE CONTINUE maps the folio read-only; the variant continue-private-writable breaks private-file-pte-readonly on hugetlb too', t => {
  const sc = findScenario('hugetlb-private-continue-cow')!;
  t.is(checkScenario(sc, mainline).result.verdict, 'ok');
  t.is(checkScenario(sc, findVariant('continue-private-writable')!).result.violation?.property, 'private-file-pte-readonly');
});

for (const name of ['hugetlb-copy-vs-fault-same-index', 'hugetlb-copy-vs-fault-colliding-index']) {
  test(`${name}: mainline is clean (COMPLETE); hugetlb-userfault-holding-mutex sleeps holding the mutex and deadlocks against the COPY`, t => {
    const sc = findScenario(name)!;
    const ok = checkScenario(sc, mainline).result;
    t.is(ok.verdict, 'ok', ok.violation?.message);
    t.true(ok.complete);
    const g8 = checkScenario(sc, holding).result.violation;
    t.is(g8?.property, 'no-sleep-holding-fault-mutex');
    t.regex(g8!.message, /t0 sleeps in handle_userfault\(\) holding hugetlb_fault_mutex_table\[0\]/);
    const dl = violationOf(sc, holding, 'no-deadlock');
    t.is(dl?.property, 'no-deadlock');
    t.regex(dl!.message, /t0 in handle_userfault\(\):schedule: asleep/);
    t.regex(dl!.message, /in mfill_atomic\(\):hugetlb_fault_mutex_lock: mutex hugetlb_fault_mutex_table\[0\] held by t0/);
    t.is(violationOf(sc, mainline, 'no-deadlock'), null);
  });
}

test('the collision is what deadlocks: a COPY of H[1] then an UNREGISTER (which wakes t0) deadlocks with one mutex for every page, not with one per page', t => {
  const sc = (mutexes: object) => parseScenario({ name: 'collide', ...mutexes, areas: hugeH(2), uffds: regU(2), threads: [
    { name: 't0', ops: [{ op: 'read', area: 'H', page: 0 }] },
    { name: 'm', role: 'monitor', ops: [{ op: 'copy', uffd: 'U', area: 'H', page: 1 }, { op: 'unregister', uffd: 'U', area: 'H', first: 0, pages: 1 }] }] });
  t.is(violationOf(sc({ hugetlb_fault_mutexes: 1 }), holding, 'no-deadlock')?.property, 'no-deadlock');
  t.is(violationOf(sc({}), holding, 'no-deadlock'), null);
  t.is(checkScenario(sc({ hugetlb_fault_mutexes: 1 }), mainline).result.verdict, 'ok');
});

test('hugetlb-mutual-exclusion fires on a fill that instantiates the huge page without taking its fault mutex', t => {
  const noMutex: Variant = {
    name: 'hugetlb-fill-no-mutex', description: 'mfill_atomic_hugetlb() skips mutex_lock()', cites: 'test',
    patches: [{ fn: 'mfill_atomic', replace: { hugetlb_fault_mutex_lock: { doc: 'no mutex', run: (d, t) => goTo(d, t, 'hugetlb_mfill_atomic_pte') } } }],
  };
  const v = checkScenario(findScenario('hugetlb-copy-vs-fault-same-index')!, noMutex).result.violation;
  t.is(v?.property, 'hugetlb-mutual-exclusion');
  t.regex(v!.message, /c0 is about to instantiate huge page 0 in mfill_atomic\(\) without holding hugetlb_fault_mutex_table\[0\]/);
});

test('hugetlb-mutual-exclusion fires on a fill that takes the mutex of another index (the hash of the page, not the frame\'s)', t => {
  const wrongIndex: Variant = {
    name: 'hugetlb-fill-wrong-index', description: 'mfill_atomic_hugetlb() hashes idx + 1', cites: 'test',
    patches: [{ fn: 'mfill_atomic', replace: { hugetlb_fault_mutex_lock: { doc: 'mutex of the next index', run: (d, t) => {
      const page = local<number>(d, t, 'dst') + local<number>(d, t, 'copied');
      const hash = hugetlb_fault_mutex_hash(d, vma_lookup(d, page)!, page + 1);
      setLocal(d, t, 'hash', hash);
      fault_mutex_lock(d, t, hash);
      setLocal(d, t, 'vma_lock', true);
      goTo(d, t, 'hugetlb_mfill_atomic_pte');
    } } } }],
  };
  const v = checkScenario(findScenario('hugetlb-copy-vs-fault-same-index')!, wrongIndex).result.violation;
  t.is(v?.property, 'hugetlb-mutual-exclusion');
  t.regex(v!.message, /c0 is about to instantiate huge page 0 in mfill_atomic\(\) without holding hugetlb_fault_mutex_table\[0\]/);
});

test('hugetlb scenarios: the fault mutex table size and hugetlb areas are validated', t => {
  const base = { name: 'v', areas: hugeH(1), threads: [{ name: 'w', ops: [{ op: 'read', area: 'H', page: 0 }] }] };
  t.throws(() => parseScenario({ ...base, hugetlb_fault_mutexes: 0 }), { instanceOf: ScenarioError, message: /^hugetlb_fault_mutexes: expected an integer from 1 to 1024/ });
  t.throws(() => parseScenario({ ...base, threads: [{ name: 'w', ops: [{ op: 'munmap', area: 'H', first: 0, pages: 1 }] }] }),
    { instanceOf: ScenarioError, message: /^threads\[0\]\.ops\[0\]: expected no munmap, mremap, madvise of a hugetlb area/ });
  t.throws(() => parseScenario({ ...base, areas: [...hugeH(1, { file: 'F' }), { name: 'S', pages: 1, kind: 'shmem', file: 'F' }] }),
    { instanceOf: ScenarioError, message: /^areas\[1\]\.kind: expected "hugetlb", the kind of H/ });
  t.throws(() => parseScenario({ ...base, uffds: [{ name: 'U' }], threads: [{ name: 'w', ops: [raw('COPY', 0, 2 * HPAGE)] }] }),
    { instanceOf: ScenarioError, message: /^threads\[0\]\.ops\[0\]\.len: expected a range that ends inside the hugetlb area/ });
  t.is(parseScenario({ ...base, hugetlb_fault_mutexes: 1 }).hugetlb_fault_mutexes, 1);
  t.is(parseScenario(base).areas[0]!.shared, true, 'a hugetlb area is MAP_SHARED unless shared: false');
});
