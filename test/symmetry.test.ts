/**
 * Symmetry reduction (cli/symmetry.ts) is exact: renaming interchangeable
 * threads commutes with every step and keeps every property's verdict, and
 * the reduced search gives the verdict, violated property, counterexample
 * depth and goals of the full one — on the built-ins and on generated
 * scenarios with interchangeable threads — with fewer states where threads
 * are interchangeable.
 */
import test from 'ava';
import fc from 'fast-check';
import { checkScenario, toCheckerModel } from '../cli/api.js';
import { CTX_TIDS, MM_TIDS, renameState, renamings, STATE_TIDS, symmetricEncoder, THREAD_TIDS, threadClasses } from '../cli/symmetry.js';
import { buildModel } from '../model/index.js';
import { parseScenario } from '../model/scenario.js';
import type { Scenario } from '../model/scenario.js';
import type { KernelState } from '../model/state.js';
import { builtinVariants, findVariant } from '../model/variants.js';
import { builtinScenarios, findScenario } from '../scenarios/builtin.js';

const mainline = findVariant('mainline')!;

test('threadClasses groups threads by role and program only', t => {
  t.deepEqual(threadClasses(findScenario('wake-reference')!), [[0, 2]]);
  t.deepEqual(threadClasses(findScenario('two-faulters-one-page')!), [[0, 1]]);
  t.deepEqual(threadClasses(findScenario('refile-race')!), []);
  t.deepEqual(renamings(3, [[0, 2]]), [[0, 1, 2], [2, 1, 0]]);
  t.is(renamings(5, [[0, 1, 2], [3, 4]]).length, 12);
});

test('every field of a real state is classified for tids, and the fields that hold tids are the ones renameState() rewrites', t => {
  const renamed = (o: { [k: string]: string }) => Object.keys(o).filter(k => o[k] === 'renamed').sort();
  // A field newly classified 'renamed' needs code in renameState() and symmetricEncoder(): this list is that code's.
  t.deepEqual(renamed(STATE_TIDS), ['children', 'events', 'fills_in_event', 'forks', 'mm', 'removing', 'threads', 'uffd', 'unmaps']);
  t.deepEqual(renamed(MM_TIDS), ['hugetlb_fault_mutex', 'mmap_lock']);
  t.deepEqual(renamed(CTX_TIDS), ['event_wqh', 'fault_pending_wqh', 'fault_wqh', 'fd_wqh', 'fork_in_transit', 'locks', 'map_changing_lock', 'refile_in_transit']);
  t.deepEqual(renamed(THREAD_TIDS), []);
  for (const sc of builtinScenarios) {
    const s = buildModel(sc, mainline).init();
    t.deepEqual(Object.keys(s).sort(), Object.keys(STATE_TIDS).sort(), sc.name);
    t.deepEqual(Object.keys(s.mm).sort(), Object.keys(MM_TIDS).sort(), sc.name);
    for (const c of s.uffd) t.deepEqual(Object.keys(c).sort(), Object.keys(CTX_TIDS).sort(), sc.name);
    for (const th of s.threads) t.deepEqual(Object.keys(th).sort(), Object.keys(THREAD_TIDS).sort(), sc.name);
  }
});

/**
 * Breadth-first over up to `limit` states of `sc`: in each, for each renaming
 * and each enabled thread, stepping the renamed state with the renamed thread
 * gives the renamed successor, the renamed state enables the renamed threads,
 * and every property says the same of both.
 */
function assertAutomorphisms(t: import('ava').ExecutionContext, sc: Scenario, variantName: string, limit: number, por = false): number {
  // por: the partial-order reduction's choice (threads at a runnable local step) must be closed under renaming too.
  const m = buildModel(sc, findVariant(variantName)!, { por });
  const cm = toCheckerModel(m);
  const perms = renamings(sc.threads.length, threadClasses(sc)).slice(1);
  const seen = new Set<string>();
  let frontier: KernelState[] = [m.init()];
  let checked = 0;
  const same = (a: KernelState, b: KernelState): boolean => JSON.stringify(a) === JSON.stringify(b);
  while (frontier.length > 0 && checked < limit) {
    const next: KernelState[] = [];
    for (const s of frontier) {
      if (checked >= limit) break;
      checked++;
      const acts = m.actions(s);
      for (const to of perms) {
        const r = renameState(s, to);
        if (!same(JSON.parse(JSON.stringify(m.actions(r))), acts.map(a => to[a]!).sort((a, b) => a - b) as never)) {
          t.fail(`${sc.name}: renaming ${to} changes the enabled threads`);
          return checked;
        }
        for (const p of cm.properties) {
          const verdict = (x: KernelState) => (p.kind === 'sometimes' ? p.reached(x) : p.violation(x) === null || (p.kind === 'terminal' && m.actions(x).length > 0));
          if (verdict(s) !== verdict(r)) { t.fail(`${sc.name}: renaming ${to} changes ${p.name}`); return checked; }
        }
        for (const a of acts) {
          if (!same(renameState(m.step(s, a), to), m.step(r, to[a]!))) {
            t.fail(`${sc.name} on ${variantName}: renaming ${to} does not commute with ${m.label(s, a)}`);
            return checked;
          }
        }
      }
      for (const a of acts) {
        const u = m.step(s, a);
        const k = JSON.stringify(u);
        if (!seen.has(k)) { seen.add(k); next.push(u); }
      }
    }
    frontier = next;
  }
  t.pass();
  return checked;
}

test('renaming interchangeable threads commutes with every step, with and without the partial-order reduction (two-faulters-one-page, wake-reference prefix)', t => {
  const two = findScenario('two-faulters-one-page')!;
  t.is(assertAutomorphisms(t, two, 'mainline', 5000), checkScenario(two, mainline, { symmetry: false, por: false }).result.states, 'every reachable state checked');
  t.is(assertAutomorphisms(t, two, 'mainline', 5000, true), checkScenario(two, mainline, { symmetry: false }).result.states, 'every reachable state checked (por)');
  t.true(assertAutomorphisms(t, findScenario('wake-reference')!, 'no-refile-seq', 1500) >= 1500);
  t.true(assertAutomorphisms(t, findScenario('wake-reference')!, 'no-refile-seq', 1500, true) >= 1500);
});

test('renaming interchangeable threads commutes with every step on hugetlb, where the fault mutex owners are renamed too (mainline and hugetlb-userfault-holding-mutex)', t => {
  const sc = parseScenario({ name: 'two-huge-faulters', hugetlb_fault_mutexes: 1, areas: [{ name: 'H', pages: 2, kind: 'hugetlb' }],
    uffds: [{ name: 'U', register: [{ area: 'H' }] }], threads: [
      { name: 't0', ops: [{ op: 'read', area: 'H', page: 0 }] }, { name: 't1', ops: [{ op: 'read', area: 'H', page: 0 }] },
      { name: 'm', role: 'monitor', ops: [{ op: 'copy', uffd: 'U', area: 'H', page: 1 }, { op: 'serve', uffd: 'U', how: 'copy' }] }] });
  t.deepEqual(threadClasses(sc), [[0, 1]]);
  t.true(assertAutomorphisms(t, sc, 'mainline', 1000) > 300);
  t.true(assertAutomorphisms(t, sc, 'mainline', 1000, true) > 300);
  t.true(assertAutomorphisms(t, sc, 'hugetlb-userfault-holding-mutex', 1000) > 100);
});

test('the memoised symmetric encoding is exact: a warm encoder gives the text a fresh one gives, renamed states share it, and equal text means a renaming maps one state onto the other', t => {
  for (const [name, variant, limit] of [['wake-reference', 'no-refile-seq', 1500], ['two-faulters-one-page', 'mainline', 1500]] as const) {
    const sc = findScenario(name)!;
    const m = buildModel(sc, findVariant(variant)!);
    const warm = symmetricEncoder(sc)!;
    const perms = renamings(sc.threads.length, threadClasses(sc));
    const byText = new Map<string, string[]>();
    let frontier = [m.init()];
    const seen = new Set<string>();
    let n = 0;
    while (frontier.length > 0 && n < limit) {
      const next: KernelState[] = [];
      for (const s of frontier) {
        // Successors keyed one after the other, as the checker does: the memo's caches see siblings.
        for (const a of m.actions(s)) {
          const u = m.step(s, a);
          const text = warm(u);
          const json = JSON.stringify(u);
          if (seen.has(json)) continue;
          seen.add(json);
          n++;
          next.push(u);
          t.is(symmetricEncoder(sc)!(u), text, `${name}: fresh and warm encoders differ`);
          for (const to of perms) t.is(warm(renameState(u, to)), text, `${name}: renaming ${to} changes the text`);
          const images = new Set(perms.map(to => JSON.stringify(renameState(u, to))));
          for (const other of byText.get(text) ?? []) t.true(images.has(other), `${name}: two states of different orbits share a text`);
          byText.set(text, [...(byText.get(text) ?? []), json]);
        }
      }
      frontier = next;
    }
    t.true(n >= limit || frontier.length === 0, `${name}: neither ${limit} states nor the whole state space checked (${n})`);
    t.true([...byText.values()].some(v => v.length > 1), `${name}: some orbit is met twice (the check above is not vacuous)`);
  }
});

function shape(r: ReturnType<typeof checkScenario>['result']) {
  return {
    verdict: r.verdict, complete: r.complete, maxDepth: r.maxDepth,
    property: r.violation?.property ?? null, depth: r.violation?.depth ?? null, goals: r.goals,
  };
}

test('with and without symmetry: same verdicts on every built-in (but wake-reference) and variant; fewer states where threads are interchangeable', t => {
  let fewer = 0;
  for (const sc of builtinScenarios.filter(s => s.name !== 'wake-reference')) {
    // Without interchangeable threads the model has no symmetric encoding: the same search, once is enough.
    for (const v of threadClasses(sc).length === 0 ? [mainline] : builtinVariants) {
      const full = checkScenario(sc, v, { symmetry: false }).result;
      const sym = checkScenario(sc, v).result; // on by default
      t.deepEqual(shape(sym), shape(full), `${sc.name} on ${v.name}`);
      if (threadClasses(sc).length === 0) t.is(sym.states, full.states, `${sc.name}: no interchangeable threads, no change`);
      else if (sym.states < full.states) fewer++;
    }
  }
  t.true(fewer > 0, 'symmetry never reduced anything');
});

const page = fc.integer({ min: 0, max: 1 });
const workerOps = fc.array(fc.oneof(
  page.map(p => ({ op: 'read', area: 'A', page: p })),
  page.map(p => ({ op: 'write', area: 'A', page: p })),
), { minLength: 1, maxLength: 2 });
const monitorOp = fc.oneof(
  page.map(p => ({ op: 'copy', uffd: 'U', area: 'A', page: p, onEEXIST: 'nothing' })),
  page.map(p => ({ op: 'zeropage', uffd: 'U', area: 'A', page: p, onEEXIST: 'nothing' })),
  page.map(p => ({ op: 'wake', uffd: 'U', area: 'A', first: p, pages: 1 })),
  fc.constant({ op: 'read_msgs', uffd: 'U', max: 1 }),
  fc.constant({ op: 'serve', uffd: 'U', how: 'copy', onEEXIST: 'nothing', count: 1 }),
);
/** Workers as (program, copies): copies of one program are interchangeable; so are copies of a monitor. */
const scenario = fc.record({
  workers: fc.array(fc.tuple(workerOps, fc.integer({ min: 1, max: 2 })), { minLength: 1, maxLength: 2 }),
  monitor: fc.array(monitorOp, { minLength: 1, maxLength: 2 }),
  monitors: fc.integer({ min: 1, max: 2 }),
  nonblock: fc.boolean(),
}).map(g => ({
  name: 'generated',
  description: 'generated by fast-check',
  areas: [{ name: 'A', pages: 2, kind: 'anon' }],
  uffds: [{ name: 'U', features: [], nonblock: g.nonblock, register: [{ area: 'A', first: 0, pages: 2, modes: ['MISSING'] }] }],
  threads: [
    ...g.workers.flatMap(([ops, n], i) => Array.from({ length: n }, (_, j) => ({ name: `t${i}_${j}`, role: 'worker', ops }))),
    ...Array.from({ length: g.monitors }, (_, j) => ({ name: `m${j}`, role: 'monitor', ops: g.monitor })),
  ],
}));

test('with and without symmetry: same verdicts on generated scenarios and variants', t => {
  let violations = 0;
  let reduced = 0;
  let compared = 0;
  fc.assert(fc.property(scenario, fc.constantFrom(...builtinVariants), (raw, v) => {
    let sc: Scenario;
    try {
      sc = parseScenario(raw);
    } catch {
      return true; // not a valid scenario (e.g. serve on a non-blocking uffd)
    }
    const full = checkScenario(sc, v, { maxStates: 3000, symmetry: false }).result;
    if (full.bound !== null) return true; // small cases only
    const sym = checkScenario(sc, v, { symmetry: true }).result;
    t.deepEqual(shape(sym), shape(full), `${JSON.stringify(raw)} on ${v.name}`);
    t.true(sym.states <= full.states);
    compared++;
    if (full.verdict === 'violation') violations++;
    if (sym.states < full.states) reduced++;
    return true;
  }), { numRuns: 60, seed: 7 });
  t.true(compared >= 12, `only ${compared} generated cases were small enough`);
  t.true(violations > 0, 'no generated case had a violation: the comparison would be vacuous for them');
  t.true(reduced > 0, 'symmetry never reduced a generated case');
});

test('generated scenarios: renaming commutes with every step', t => {
  fc.assert(fc.property(scenario, raw => {
    let sc: Scenario;
    try { sc = parseScenario(raw); } catch { return true; }
    if (threadClasses(sc).length === 0) return true;
    assertAutomorphisms(t, sc, 'mainline', 300);
    assertAutomorphisms(t, sc, 'mainline', 300, true);
    return true;
  }), { numRuns: 25, seed: 11 });
});
