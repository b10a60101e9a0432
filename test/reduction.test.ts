/**
 * Local-step folding (model/engine.ts runThread) loses no violation: the
 * folded search — a transition is "local steps, at most one shared step,
 * local steps" — gives the verdict, violated property and goals of the
 * unreduced search, where every step is its own transition
 * (BuildOptions.fold = false), on the built-ins with every variant and on
 * generated scenarios mixing faults, fills, events, close and shmem minor
 * faults. Also: mmap_read_lock() is a local step exactly when no thread of
 * the scenario can take mmap_lock for write (model/kernel/rwsem.ts), and a
 * writer missing from MMAP_WRITE_LOCK_OPS is a model error, not a silent
 * unsound reduction.
 */
import test from 'ava';
import { forGeneratedScenarios } from './fixtures/generated.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkScenario, checkScenarioAsync, replayTrace, toCheckerModel } from '../cli/api.js';
import { hash64 } from '../checker/index.js';
import { porEstimate } from '../checker/index.js';
import type { CheckOptions } from '../cli/api.js';
import { isLocal, nextStep, threadPositions } from '../model/engine.js';
import type { Kernel } from '../model/engine.js';
import { buildModel } from '../model/index.js';
import { MMAP_WRITE_LOCK_OPS, mmapLockSteps, noMmapLockWriter } from '../model/kernel/rwsem.js';
import { changingPresentPte, noPteChanger, PTE_CHANGING_OPS, pteStable } from '../model/mm/vma.js';
import { uwqLinked } from '../model/uffd/ctx.js';
import { parseScenario } from '../model/scenario.js';
import type { Scenario } from '../model/scenario.js';
import type { KernelState } from '../model/state.js';
import { builtinVariants, findVariant } from '../model/variants.js';
import type { Variant } from '../model/variants.js';
import { builtinScenarios, findScenario } from '../scenarios/builtin.js';
import { parseTrace, TRACE_FORMAT, TraceError } from '../traces/format.js';
import type { Trace } from '../traces/format.js';
import { cli, tempDir } from './fixtures/cli-io.js';

const mainline = findVariant('mainline')!;
/** Unreduced searches over this many states are skipped (they are the bench's). */
const LIMIT = 4_000;

/** What must not change between the folded and the unreduced search (depths do: a folded transition is several steps). */
function shape(r: ReturnType<typeof checkScenario>['result']) {
  // Goals reached so far, when the search stopped at a violation, depend on the order of discovery: compared only on a clean run.
  return { verdict: r.verdict, complete: r.complete, property: r.violation?.property ?? null, goals: r.verdict === 'ok' ? r.goals : null };
}

/**
 * The searches, without symmetry (so that only the reductions differ): folded with the partial-order
 * reduction (the default), folded without it, and unreduced; null when the unreduced one is over `limit` states.
 */
function both(sc: Scenario, v: Variant, limit: number) {
  const opts: CheckOptions = { symmetry: false };
  const unfolded = checkScenario(sc, v, { ...opts, foldLocalSteps: false, maxStates: limit }).result;
  if (unfolded.bound !== null) return null;
  return { folded: checkScenario(sc, v, opts).result, noPor: checkScenario(sc, v, { ...opts, por: false }).result, unfolded };
}

test('folded (with and without the partial-order reduction) and unreduced searches agree on every small built-in with every variant, and folding saves states', t => {
  let compared = 0;
  let violations = 0;
  for (const sc of builtinScenarios) {
    if (both(sc, mainline, LIMIT) === null) continue; // too big unfolded: left to the bench
    for (const v of builtinVariants) {
      const r = both(sc, v, LIMIT);
      if (r === null) continue;
      t.deepEqual(shape(r.folded), shape(r.unfolded), `${sc.name} on ${v.name}`);
      t.deepEqual(shape(r.noPor), shape(r.unfolded), `${sc.name} on ${v.name}, without the partial-order reduction`);
      // It never lengthens a path: another thread's local steps move into the transition that enabled them.
      if (r.folded.violation !== null) t.true(r.folded.violation.depth <= r.noPor.violation!.depth, `${sc.name} on ${v.name}: deeper with the reduction`);
      t.true(r.folded.states < r.unfolded.states, `${sc.name} on ${v.name}: folding saved no state (${r.folded.states})`);
      compared++;
      if (r.unfolded.verdict === 'violation') violations++;
    }
  }
  t.true(compared >= 200, `only ${compared} built-in pairs were small enough`);
  t.true(violations >= 20, `only ${violations} pairs had a violation: the comparison would be nearly vacuous`);
});

test('folded (with and without the partial-order reduction) and unreduced searches agree on generated scenarios (faults, fills, events, close, shmem minor faults) and variants', t => {
  let compared = 0;
  let violations = 0;
  let reads = 0;
  forGeneratedScenarios(100, (sc, v, raw) => {
    const r = both(sc, v, LIMIT);
    if (r === null) return; // small cases only
    t.deepEqual(shape(r.folded), shape(r.unfolded), `${JSON.stringify(raw)} on ${v.name}`);
    t.deepEqual(shape(r.noPor), shape(r.unfolded), `${JSON.stringify(raw)} on ${v.name}, without the partial-order reduction`);
    if (r.folded.violation !== null) t.true(r.folded.violation.depth <= r.noPor.violation!.depth, `${JSON.stringify(raw)} on ${v.name}: deeper with the reduction`);
    t.true(r.folded.states <= r.unfolded.states);
    compared++;
    if (r.unfolded.verdict === 'violation') violations++;
    if (noMmapLockWriter(buildModel(sc, v).init())) reads++;
  });
  t.true(compared >= 40, `only ${compared} generated cases were valid and small enough`);
  t.true(violations >= 5, `only ${violations} generated cases had a violation`);
  t.true(reads >= 10, `only ${reads} generated cases had no mmap_lock writer (where mmap_read_lock is local)`);
});

/** The labels of the mmap_read_lock() steps (mmapLockSteps with write = false). */
const READ_LOCK_LABELS = ['lock_mm_and_find_vma', 'uffd_mfill_lock', 'madvise_lock', 'mmap_read_lock'];

/** Whether some reachable state has thread `t` about to take mmap_read_lock() at a step that is local there. */
function readLockLocality(sc: Scenario): boolean[] {
  const m = buildModel(sc, mainline, { fold: false });
  const seen: boolean[] = [];
  let frontier: KernelState[] = [m.init()];
  for (let depth = 0; depth < 40 && frontier.length > 0; depth++) {
    const next: KernelState[] = [];
    for (const s of frontier) {
      for (let t = 0; t < s.threads.length; t++) {
        const st = nextStep(m.kernel, s, t);
        const at = s.threads[t]!.frames.at(-1)?.at;
        if (st !== null && at !== undefined && READ_LOCK_LABELS.includes(at)) seen.push(isLocal(st, s, t));
      }
      for (const a of m.actions(s)) next.push(m.step(s, a));
    }
    frontier = next.slice(0, 200);
  }
  return seen;
}

test('mmap_read_lock() is a local step exactly when no thread can take mmap_lock for write', t => {
  const noWriter = readLockLocality(findScenario('wake-reference')!);
  t.true(noWriter.length > 0 && noWriter.every(x => x), 'wake-reference (faults and copies only): every read acquisition is local');
  for (const name of ['copy-vs-unmap', 'criu-like', 'close-while-waiting']) {
    const writer = readLockLocality(findScenario(name)!);
    t.true(writer.length > 0 && writer.every(x => !x), `${name} has a writer: no read acquisition is local`);
  }
});

test('an op that takes mmap_lock for write but is not in MMAP_WRITE_LOCK_OPS is a model error', t => {
  t.false(MMAP_WRITE_LOCK_OPS.includes('wake'));
  const sc = findScenario('dontwake-then-wake')!;
  const m = buildModel(sc, mainline);
  const s0 = m.init();
  t.true(noMmapLockWriter(s0));
  // A kernel whose user program enters a function that takes mmap_lock for write (as if UFFDIO_WAKE did).
  const steps = mmapLockSteps('mmap_write_lock', true, 'done', 'test: a writer nobody declared');
  const writer = steps['mmap_write_lock']!;
  const k: Kernel = { ...m.kernel };
  t.throws(() => writer.run(structuredClone(s0), 0, k), { message: /takes mmap_lock for write, but none of its ops .* is in MMAP_WRITE_LOCK_OPS/ });
  // The same step in a scenario with a declared writer runs.
  const sc2 = findScenario('copy-vs-unmap')!;
  const s2 = structuredClone(buildModel(sc2, mainline).init());
  const w = s2.threads.findIndex(th => th.does.includes('munmap'));
  t.notThrows(() => writer.run(s2, w, k));
  t.is(s2.mm.mmap_lock.writer, w);
});

test('the unreduced search runs in workers too (they build the model with the same options): same counts as in this thread', async t => {
  const sc = findScenario('refile-race')!;
  const opts: CheckOptions = { symmetry: false, foldLocalSteps: false };
  const here = checkScenario(sc, mainline, opts).result;
  const two = (await checkScenarioAsync(sc, mainline, { ...opts, workers: 2 })).result;
  t.is(here.verdict, 'ok');
  t.deepEqual([two.verdict, two.states, two.transitions], [here.verdict, here.states, here.transitions]);
  t.true(checkScenario(sc, mainline, { symmetry: false }).result.states < here.states, 'the folded search is smaller');
});

test('check --fold-local off: the unreduced search from the CLI; its trace says so and replays only on the unreduced model', async t => {
  const dir = tempDir(t);
  const file = join(dir, 'unreduced.json');
  const argv = ['check', 'refile-race', '--variant', 'no-refile-seq', '--no-time', '--json'];
  const folded = await cli(argv);
  const unreduced = await cli([...argv, '--fold-local', 'off', '--trace', file]);
  t.is(folded.code, 1);
  t.is(unreduced.code, 1);
  const f = JSON.parse(folded.io.stdout) as { states: number; violation: { property: string; depth: number }; foldLocalSteps?: boolean };
  const u = JSON.parse(unreduced.io.stdout) as typeof f;
  t.is(u.foldLocalSteps, false);
  t.is(f.foldLocalSteps, undefined);
  t.is(u.violation.property, f.violation.property);
  t.true(u.states > f.states && u.violation.depth > f.violation.depth, 'every step its own transition: more states, a longer shortest trace');
  const trace = JSON.parse(readFileSync(file, 'utf8')) as { foldLocalSteps?: boolean; steps: unknown[] };
  t.is(trace.foldLocalSteps, false);
  t.is(trace.steps.length, u.violation.depth);
  const replayed = await cli(['replay', file]);
  t.is(replayed.code, 1);
  t.regex(replayed.io.stdout, new RegExp(`no-lost-wakeup violated after step ${u.violation.depth}\\b`));
  // The same steps on the folded model are another schedule: without the field the replay diverges.
  const stripped = join(dir, 'stripped.json');
  const { foldLocalSteps: _, ...rest } = JSON.parse(readFileSync(file, 'utf8')) as { foldLocalSteps?: boolean };
  writeFileSync(stripped, JSON.stringify(rest));
  t.is((await cli(['replay', stripped])).code, 3);
  // The text line names the search.
  const text = await cli(['check', 'refile-race', '--fold-local', 'off', '--no-time']);
  t.regex(text.io.stdout, /^refile-race +ok +COMPLETE unreduced +states \d+/);
});

test('--fold-local takes on or off, on check only; a trace\'s foldLocalSteps is false or absent', async t => {
  const bad = await cli(['check', 'refile-race', '--fold-local', 'maybe']);
  t.is(bad.code, 2);
  t.regex(bad.io.stderr, /--fold-local: expected on or off, got "maybe"/);
  const replay = await cli(['replay', 'x.json', '--fold-local', 'off']);
  t.is(replay.code, 2);
  t.regex(replay.io.stderr, /--fold-local does not apply to 'replay'/);
  const c = checkScenario(findScenario('refile-race')!, findVariant('no-refile-seq')!, { foldLocalSteps: false });
  const json = JSON.parse(JSON.stringify(c.trace)) as { [k: string]: unknown };
  t.is(parseTrace(json).foldLocalSteps, false);
  t.throws(() => parseTrace({ ...json, foldLocalSteps: true }), { instanceOf: TraceError, message: /foldLocalSteps: expected false or nothing, got true/ });
  const { foldLocalSteps: _, ...folded } = json;
  t.false('foldLocalSteps' in parseTrace(folded));
});

test('a read of a present pte is local exactly when no op of the scenario can change a present pte; changing one without such an op is a model error', t => {
  // fault-vs-copy: a fault and a copy only. Once the page is there, must_wait (and a retried access) read it as local steps.
  const m = buildModel(findScenario('fault-vs-copy')!, mainline, { fold: false });
  t.true(noPteChanger(m.init()));
  let localReads = 0;
  let sharedReads = 0;
  let emptyChecks = 0;
  let linkedChecks = 0;
  const seen = new Set<string>();
  let frontier: KernelState[] = [m.init()];
  for (let depth = 0; frontier.length > 0; depth++) {
    const next: KernelState[] = [];
    for (const s of frontier) {
      for (let t0 = 0; t0 < s.threads.length; t0++) {
        const f = s.threads[t0]!.frames.at(-1);
        if (f?.fn === 'handle_userfault' && f.at === 'list_empty_careful') {
          // After the wake: local once a waker unlinked the uwq (nobody links it again; no close in this scenario),
          // and while it is linked too, since this thread is RUNNING there and no waker unlinks a running task's uwq.
          t.is(s.threads[t0]!.task, 'RUNNING');
          t.true(isLocal(nextStep(m.kernel, s, t0)!, s, t0));
          if (uwqLinked(s.uffd[f.locals['ctx'] as number]!, t0)) linkedChecks++;
          emptyChecks++;
        }
        if (f?.fn !== 'handle_userfault' || f.at !== 'must_wait') continue;
        const local = isLocal(nextStep(m.kernel, s, t0)!, s, t0);
        t.is(local, pteStable(s, f.locals['page'] as number), 'must_wait is local iff its page is present');
        if (local) localReads++; else sharedReads++;
      }
      for (const a of m.actions(s)) {
        const u = m.step(s, a);
        const k = JSON.stringify(u);
        if (!seen.has(k)) { seen.add(k); next.push(u); }
      }
    }
    frontier = next;
  }
  t.true(localReads > 0 && sharedReads > 0, `must_wait seen local ${localReads} and shared ${sharedReads} times`);
  t.true(emptyChecks > linkedChecks && linkedChecks > 0, `list_empty_careful seen ${emptyChecks} times, ${linkedChecks} with the uwq linked`);
  t.throws(() => changingPresentPte(m.init()), { message: /a present pte changes, but no thread has an op in PTE_CHANGING_OPS/ });
  // copy-vs-unmap has a munmap: no read of a pte is local there, and zapping one is allowed.
  const u = buildModel(findScenario('copy-vs-unmap')!, mainline).init();
  t.true(PTE_CHANGING_OPS.includes('munmap'));
  t.false(noPteChanger(u));
  t.notThrows(() => changingPresentPte(u));
  t.false(pteStable({ ...u, mm: { ...u.mm, pte: u.mm.pte.map(() => ({ content: 1, writable: true, cache: false })) } }, 0));
});

test('a spurious wakeup between a fault\'s queue and its must_wait (page already there) is kept: the goal it reaches is reached folded too', t => {
  // Found by review: with must_wait local once the page is present, released_before_sleep (local too) hid the
  // TASK_INTERRUPTIBLE window in which m's spurious wakeup lands, and the folded search called the scenario vacuous.
  const sc = parseScenario({
    name: 'spurious-after-copy', description: 'm copies A[0], then wakes t0 spuriously while t0 may be between queue and must_wait',
    areas: [{ name: 'A', pages: 1, kind: 'anon' }],
    uffds: [{ name: 'U', features: [], register: [{ area: 'A', first: 0, pages: 1, modes: ['MISSING'] }] }],
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'm', role: 'monitor', ops: [{ op: 'copy', uffd: 'U', area: 'A', page: 0 }, { op: 'spurious_wakeup', thread: 't0' }] },
    ],
  });
  const r = both(sc, mainline, LIMIT)!;
  t.deepEqual(shape(r.folded), shape(r.unfolded));
  t.is(r.folded.verdict, 'ok');
  t.true(r.folded.goals.some(g => g.name === 'spurious-wakeup-lands' && g.reached));
});

test('the partial-order estimate (checker/independence.ts) on the model: its full search is the checker\'s, and its ideal persistent sets lose no terminal state', t => {
  for (const name of ['refile-race', 'fork-vs-copy', 'two-faulters-one-page']) {
    const sc = findScenario(name)!;
    const r = porEstimate(toCheckerModel(buildModel(sc, mainline)), { positions: threadPositions, verify: true });
    const checked = checkScenario(sc, mainline, { symmetry: false, por: false }).result;
    t.is(checked.verdict, 'ok', name);
    t.is(r.full.states, checked.states, `${name}: the same transition system as the check's`);
    t.is(r.full.transitions, checked.transitions, name);
    t.false(r.cut, name);
    t.true(r.full.terminals.length > 0, `${name} has terminal states`);
    t.is(r.terminalsLost, 0, name);
    t.true(r.ideal.states <= r.full.states, name);
    t.true(r.commuting <= r.pairs, name);
    t.is(r.staticTerminalsLost, 0, `${name}: static footprints`);
    t.is(r.staticNotPersistent, 0, `${name}: every static set passes the exact check`);
    t.is(r.staticUnverified, 0, name);
    t.true(r.static!.states <= r.full.states, name);
  }
  // With symmetry: one state per orbit, the check's symmetric search.
  const sc = findScenario('two-faulters-one-page')!;
  const r = porEstimate(toCheckerModel(buildModel(sc, mainline)), { symmetry: true });
  t.is(r.full.states, checkScenario(sc, mainline, { symmetry: true, por: false }).result.states);
  t.true(r.full.states < porEstimate(toCheckerModel(buildModel(sc, mainline))).full.states);
  t.is(r.terminalsLost, 0);
});

test('threadPosition names the thread, its program counter, its call stack and the objects its locals name; null once it exits', t => {
  const m = buildModel(findScenario('refile-race')!, mainline);
  let s = m.init();
  t.regex(threadPositions(s).get('0')!, /^t0 0\.0 user:next\(\)$/);
  // Run t0 (the faulter) until it sleeps in handle_userfault(): its position then shows the fault's ctx.
  while (m.actions(s).includes(0) && !/handle_userfault/.test(threadPositions(s).get('0')!)) s = m.step(s, 0);
  t.regex(threadPositions(s).get('0')!, /handle_userfault:[^(]+\([^)]*ctx=0,/);
  // Run everything to the end: exited threads have no position.
  while (m.actions(s).length > 0) s = m.step(s, m.actions(s)[0]!);
  t.is(threadPositions(s).size, [...s.threads].filter(th => th.frames.length > 0).length);
  t.true(s.threads.some(th => th.frames.length === 0));
});

test('partial-order reduction: a transition is the thread\'s folded one, then every local step other threads can take; no state is left with one', t => {
  for (const name of ['refile-race', 'two-faulters-one-page', 'close-while-waiting', 'spurious-wakeup']) {
    const sc = findScenario(name)!;
    const por = buildModel(sc, mainline, { por: true });
    const plain = buildModel(sc, mainline);
    // One kernel step at a time, to compute the expected successor without the code under test.
    const single = buildModel(sc, mainline, { fold: false });
    const atLocal = (s: KernelState, u: number): boolean => {
      const st = nextStep(single.kernel, s, u);
      return st !== null && isLocal(st, s, u) && (st.guard === undefined || st.guard(s, u));
    };
    const settled = (x: KernelState): { s: KernelState; ran: string[] } => {
      const ran: string[] = [];
      for (let again = true; again;) {
        again = false;
        for (let u = 0; u < x.threads.length; u++) {
          while (atLocal(x, u)) {
            ran.push(`${x.threads[u]!.name} ${single.label(x, u).replace(/^\S+ /, '')}`);
            x = single.step(x, u);
            again = true;
          }
        }
      }
      return { s: x, ran };
    };
    let folded = 0;
    const seen = new Set<string>();
    let frontier: KernelState[] = [por.init()];
    while (frontier.length > 0) {
      const next: KernelState[] = [];
      for (const s of frontier) {
        t.false(s.threads.some((_, u) => atLocal(s, u)), `${name}: a thread was left at a local step that could run`);
        t.deepEqual(por.actions(s), plain.actions(s), `${name}: every enabled thread moves`);
        for (const a of por.actions(s)) {
          const own = plain.stepWithLabels(s, a);
          const want = settled(own.next);
          const got = por.stepWithLabels(s, a);
          t.is(JSON.stringify(got.next), JSON.stringify(want.s), `${name}: ${por.label(s, a)}`);
          t.deepEqual(got.ran, [...own.ran, ...want.ran], `${name}: ${por.label(s, a)}`);
          if (want.ran.length > 0) folded++;
          const k = JSON.stringify(got.next);
          if (!seen.has(k)) { seen.add(k); next.push(got.next); }
        }
      }
      frontier = next;
    }
    t.true(folded > 0, `${name}: no transition ran another thread's local steps`);
    // A woken thread's return from schedule() is such a step: the others no longer interleave with it.
    const withPor = checkScenario(sc, mainline, { symmetry: false }).result;
    const without = checkScenario(sc, mainline, { symmetry: false, por: false }).result;
    t.is(withPor.states, seen.size + (seen.has(JSON.stringify(por.init())) ? 0 : 1), `${name}: the check explores this transition system`);
    t.true(withPor.states < without.states, `${name}: ${withPor.states} states with the reduction, ${without.states} without`);
  }
});

test('check --por off: no partial-order reduction, said in the result line; a trace found with it says por and replays only with it', async t => {
  const dir = tempDir(t);
  const withPor = join(dir, 'por.json');
  const r = await cli(['check', 'refile-race', '--variant', 'no-refile-seq', '--trace', withPor, '--no-time']);
  t.is(r.code, 1, r.io.stderr);
  const trace = parseTrace(JSON.parse(readFileSync(withPor, 'utf8')));
  t.is(trace.por, true);
  t.is((await cli(['replay', withPor])).code, 1, 'replays (to the violation) on the model it was found on');
  const noPorFile = join(dir, 'no-por.json');
  const off = await cli(['check', 'refile-race', '--variant', 'no-refile-seq', '--por', 'off', '--no-time', '--trace', noPorFile]);
  t.is(off.code, 1);
  t.regex(off.io.stdout, /COMPLETE no-por/);
  t.is(parseTrace(JSON.parse(readFileSync(noPorFile, 'utf8'))).por, undefined);
  t.is((await cli(['replay', noPorFile])).code, 1);
  t.throws(() => parseTrace({ ...trace, por: 'yes' }), { instanceOf: TraceError, message: /^por: expected true or nothing/ });
  t.throws(() => parseTrace({ ...trace, foldLocalSteps: false }), { instanceOf: TraceError, message: /^por: expected nothing with foldLocalSteps false/ });
  const bad = await cli(['check', 'refile-race', '--por', 'maybe']);
  t.is(bad.code, 2);
  t.regex(bad.io.stderr, /--por: expected on or off, got "maybe"/);
  t.is((await cli(['check', 'refile-race', '--por', 'on', '--fold-local', 'off'])).code, 2);
  const json = await cli(['check', 'refile-race', '--json', '--no-time']);
  t.is(JSON.parse(json.io.stdout.trim()).por, true);
});

test('a trace whose steps run other threads\' local steps replays on the model with the partial-order reduction only (Trace.por)', t => {
  const sc = findScenario('refile-race')!;
  const por = buildModel(sc, mainline, { por: true });
  const plain = buildModel(sc, mainline);
  // Breadth-first through the reduced model to the first transition that runs another thread's local steps, then one step more.
  type Path = { s: KernelState; steps: { choice: number; label: string }[] };
  const seen = new Set<string>();
  let level: Path[] = [{ s: por.init(), steps: [] }];
  let found: Path | null = null;
  let prefixAt = -1;
  while (found === null && level.length > 0) {
    const next: Path[] = [];
    for (const p of level) {
      const acts = por.actions(p.s);
      acts.forEach((a, choice) => {
        if (found !== null) return;
        const y = por.step(p.s, a);
        const path = { s: y, steps: [...p.steps, { choice, label: por.label(p.s, a) }] };
        if (JSON.stringify(y) !== JSON.stringify(plain.step(p.s, a)) && por.actions(y).length > 0) {
          prefixAt = p.steps.length;
          const b = por.actions(y)[0]!;
          found = { s: por.step(y, b), steps: [...path.steps, { choice: 0, label: por.label(y, b) }] };
          return;
        }
        const k = JSON.stringify(y);
        if (!seen.has(k)) { seen.add(k); next.push(path); }
      });
    }
    level = next;
  }
  const { s, steps } = found ?? { s: por.init(), steps: [] };
  t.true(prefixAt >= 0 && steps.length === prefixAt + 2, `a prefix at step ${prefixAt} of ${steps.length}`);
  const trace: Trace = {
    format: TRACE_FORMAT, tool: 'test', kernel: 'v6.18', scenario: sc, variant: 'mainline', strategy: 'bfs', property: 'none', message: '',
    steps, final: hash64(toCheckerModel(por).encode(s)), por: true,
  };
  t.is(replayTrace(trace, mainline).exitCode, 0, replayTrace(trace, mainline).text);
  const { por: _, ...without } = trace;
  t.is(replayTrace(without, mainline).exitCode, 3, 'the same steps without the reduction are another schedule');
});

test('a depth bound loses nothing to the partial-order reduction: a lost wakeup 19 transitions deep is found under --max-depth 19 with it', t => {
  // A reviewer's scenario: a first version of the reduction made the local steps a woken thread could run
  // a transition of their own, so the same violation lay one transition deeper and a bound of 19 missed it.
  const sc = parseScenario({ name: 'deep-lost-wakeup', areas: [{ name: 'A', pages: 2, kind: 'anon' }],
    uffds: [{ name: 'U', register: [{ area: 'A', first: 0, pages: 2, modes: ['MISSING'] }] }],
    threads: [
      { name: 't0', ops: [{ op: 'read', area: 'A', page: 0 }, { op: 'read', area: 'A', page: 1 }] },
      { name: 'r', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U', max: 1 }, { op: 'resolve', uffd: 'U', how: 'copy' }, { op: 'read_msgs', uffd: 'U', max: 1 }] },
      { name: 'c', role: 'monitor', ops: [{ op: 'copy', uffd: 'U', area: 'A', page: 1, onEEXIST: 'nothing' }] }] });
  const v = findVariant('no-refile-seq')!;
  const without = checkScenario(sc, v, { por: false }).result;
  t.is(without.violation?.property, 'no-lost-wakeup');
  const depth = without.violation!.depth;
  t.is(checkScenario(sc, v, { por: false, maxDepth: depth }).result.violation?.property, 'no-lost-wakeup');
  const bounded = checkScenario(sc, v, { maxDepth: depth }).result;
  t.is(bounded.violation?.property, 'no-lost-wakeup', `not found within ${depth} transitions with the reduction`);
  t.true(bounded.violation!.depth <= depth);
});
