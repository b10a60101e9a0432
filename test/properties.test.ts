/**
 * Each property fires on a state that breaks it: scenarios and small variants
 * written here to break one rule each.
 */
import { mfill_atomic } from '../model/mm/mfill.js';
import test from 'ava';
import { checkScenario } from '../cli/api.js';
import { goTo, local } from '../model/engine.js';
import { parseScenario } from '../model/scenario.js';
import type { Variant } from '../model/variants.js';
import { findVariant } from '../model/variants.js';
import { findScenario } from '../scenarios/builtin.js';

const mainline = findVariant('mainline')!;
const anonA = [{ name: 'A', pages: 1, kind: 'anon' }];
const U = [{ name: 'U', register: [{ area: 'A' }] }];

test('no-deadlock: a monitor that reads the fault and never resolves it leaves t0 stuck; the report says where and on what', t => {
  const sc = parseScenario({ name: 'lazy-monitor', areas: anonA, uffds: U, threads: [
    { name: 't0', ops: [{ op: 'read', area: 'A', page: 0 }] },
    { name: 'm0', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U' }] }] });
  const v = checkScenario(sc, mainline).result.violation;
  t.is(v?.property, 'no-deadlock');
  t.regex(v!.message, /t0 in handle_userfault\(\):schedule: asleep \(TASK_INTERRUPTIBLE\) on U\.fault_wqh, page 0/);
});

test('a monitor idle in read() at the end is not a deadlock', t => {
  const sc = parseScenario({ name: 'idle', areas: anonA, uffds: U, threads: [
    { name: 'm0', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U' }] },
    { name: 't0', ops: [{ op: 'write', area: 'A', page: 0, value: 3 }] },
    { name: 'c', role: 'monitor', ops: [{ op: 'zeropage', uffd: 'U', area: 'A', page: 0 }] }] });
  const r = checkScenario(sc, mainline).result;
  t.is(r.verdict, 'ok', r.violation?.message);
});

test('lock-discipline: a handle_userfault() that sleeps without dropping mmap_lock is caught', t => {
  const sleepsLocked: Variant = {
    name: 'sleeps-holding-mmap-lock', description: 'no release_fault_lock()', cites: 'test',
    patches: [{ fn: 'handle_userfault', replace: { release_fault_lock: { doc: 'keeps mmap_lock', local: true, run: (d, t) => goTo(d, t, 'released_before_sleep') } } }],
  };
  const v = checkScenario(findScenario('fault-and-monitor')!, sleepsLocked).result.violation;
  t.is(v?.property, 'lock-discipline');
  t.regex(v!.message, /t0 sleeps in handle_userfault\(\) holding mmap_lock for read/);
});

test('fault-sees-monitor-data: a fill that maps other data than it reports is caught', t => {
  const wrongData: Variant = {
    name: 'wrong-data', description: 'installs a zeroed page for COPY', cites: 'test',
    patches: [{ fn: 'mfill_atomic', replace: { 'down_read(map_changing_lock)': {
      doc: 'install garbage', run: (d, t, k) => {
        // take the lock and fill as mainline does (records what it stored), then corrupt the installed page
        mfill_atomic.steps['down_read(map_changing_lock)']!.run(d, t, k);
        const page = local<number>(d, t, 'dst');
        const pte = d.mm.pte[page];
        if (pte) pte.content = 666;
      },
    } } }],
  };
  const v = checkScenario(findScenario('fault-and-monitor')!, wrongData).result.violation;
  t.is(v?.property, 'fault-sees-monitor-data');
  t.regex(v!.message, /saw 666, but 100 was stored/);
});

test('sometimes: a scenario whose thread never faults on a registered page is reported as vacuous', t => {
  const sc = parseScenario({ name: 'vacuous', areas: [...anonA, { name: 'B', pages: 1, kind: 'anon' }], uffds: U, threads: [
    { name: 't0', ops: [{ op: 'read', area: 'B', page: 0 }] },
    { name: 'm0', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U' }] }] });
  const r = checkScenario(sc, mainline).result;
  t.is(r.verdict, 'violation');
  t.is(r.violation?.kind, 'sometimes');
  t.deepEqual(r.goals.filter(g => !g.reached).map(g => g.name), ['fault-sleeps', 'monitor-reads-fault']);
});

test('a bounded search reports BOUNDED(max-depth) and does not call unreached goals violations', t => {
  const r = checkScenario(findScenario('two-faulters-one-page')!, mainline, { maxDepth: 5 }).result;
  t.false(r.complete);
  t.is(r.bound, 'max-depth');
  t.is(r.verdict, 'ok');
});

test('a faulter whose page is munmapped stays asleep (as on the 6.18 kernel): no-deadlock, not no-lost-wakeup', t => {
  const sc = parseScenario({ name: 'fault-vs-unmap', areas: anonA, uffds: [{ name: 'U', features: ['EVENT_UNMAP'], register: [{ area: 'A' }] }], threads: [
    { name: 't0', ops: [{ op: 'read', area: 'A', page: 0 }] },
    { name: 'w', ops: [{ op: 'munmap', area: 'A', first: 0, pages: 1 }] },
    { name: 'm', role: 'monitor', ops: [{ op: 'serve', uffd: 'U', how: 'copy' }] }] });
  const v = checkScenario(sc, mainline).result.violation;
  t.is(v?.property, 'no-deadlock');
  t.regex(v!.message, /t0 in handle_userfault\(\):schedule/);
});
