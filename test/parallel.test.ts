/**
 * Parallel and bounded searches: the level-synchronous parallel BFS
 * (checker/parallel.ts) gives the same verdict, state and transition counts
 * and counterexample for 1, 2 and 3 partitions, and the sequential BFS's
 * counterexample; the swarm (checker/walk.ts) gives the same result in one
 * thread and over worker threads, and shards add up to the whole swarm;
 * PCT and the preemption bound find the no-refile-seq lost wakeup and name
 * their bound. No timing here: speed is `npm run bench`'s business.
 */
import test from 'ava';
import { check, type CheckResult } from '../checker/index.js';
import { parallelBfs } from '../checker/parallel.js';
import { preemptionSearch } from '../checker/preemption.js';
import { shardWalks, walkSearch, walkSearchParallel, WalkRunner } from '../checker/walk.js';
import { checkScenario, checkScenarioAsync, findVariant } from '../cli/api.js';
import { findScenario } from '../scenarios/builtin.js';
import type { Model } from '../checker/index.js';
import { countersWithActors, lostWakeupWithActors, mutexWithActors, specOf } from './fixtures/actors.js';

/** What must not depend on the number of workers. */
function essence(r: CheckResult): unknown {
  return { verdict: r.verdict, complete: r.complete, bound: r.bound, states: r.states, transitions: r.transitions, maxDepth: r.maxDepth, violation: r.violation, goals: r.goals };
}

const toys: { name: string; model: () => Model<unknown, unknown>; spec: ReturnType<typeof specOf> }[] = [
  { name: 'counters 3x4 (no violation)', model: () => countersWithActors(3, 4) as Model<unknown, unknown>, spec: specOf('countersWithActors', 3, 4) },
  { name: 'counters 3x4, sum 7 is bad', model: () => countersWithActors(3, 4, 7) as Model<unknown, unknown>, spec: specOf('countersWithActors', 3, 4, 7) },
  { name: 'racy mutex', model: () => mutexWithActors(false) as Model<unknown, unknown>, spec: specOf('mutexWithActors', false) },
  { name: 'atomic mutex', model: () => mutexWithActors(true) as Model<unknown, unknown>, spec: specOf('mutexWithActors', true) },
  { name: 'lost wakeup (buggy)', model: () => lostWakeupWithActors(false) as Model<unknown, unknown>, spec: specOf('lostWakeupWithActors', false) },
  { name: 'lost wakeup (fixed)', model: () => lostWakeupWithActors(true) as Model<unknown, unknown>, spec: specOf('lostWakeupWithActors', true) },
];

for (const toy of toys) {
  test(`parallel BFS on ${toy.name}: the same result for 1, 2 and 3 workers, and the sequential BFS's counterexample`, async t => {
    const seq = check(toy.model(), { strategy: 'bfs' });
    const one = await parallelBfs(toy.model(), null, { workers: 1 });
    const two = await parallelBfs(toy.model(), toy.spec, { workers: 2 });
    const three = await parallelBfs(toy.model(), toy.spec, { workers: 3 });
    t.deepEqual(essence(two), essence(one));
    t.deepEqual(essence(three), essence(one));
    t.is(one.verdict, seq.verdict);
    t.deepEqual(one.violation, seq.violation, 'the smallest path at the first violating level is the one the sequential BFS meets first');
    if (seq.verdict === 'ok') {
      t.is(one.states, seq.states);
      t.is(one.transitions, seq.transitions);
      t.is(one.maxDepth, seq.maxDepth);
    } else {
      t.true(one.states >= seq.states, 'the parallel search finishes the violating level');
    }
  });
}

test('parallel BFS on the counters grid: (max+1)^k states and k*max*(max+1)^(k-1) transitions for 2 workers', async t => {
  const r = await parallelBfs(countersWithActors(3, 4), specOf('countersWithActors', 3, 4), { workers: 2 });
  t.is(r.states, 5 ** 3);
  t.is(r.transitions, 3 * 4 * 5 ** 2);
  t.is(r.maxDepth, 12);
  t.true(r.complete);
});

test('parallel BFS: a depth bound cuts the same states for 1 and 2 workers, and names max-depth', async t => {
  const one = await parallelBfs(countersWithActors(3, 4), null, { workers: 1, maxDepth: 5 });
  const two = await parallelBfs(countersWithActors(3, 4), specOf('countersWithActors', 3, 4), { workers: 2, maxDepth: 5 });
  const seq = check(countersWithActors(3, 4), { strategy: 'bfs', maxDepth: 5 });
  t.deepEqual(essence(two), essence(one));
  t.is(one.bound, 'max-depth');
  t.is(one.states, seq.states);
  t.is(one.transitions, seq.transitions);
});

test('parallel BFS: shouldStop ends it as BOUNDED(interrupted)', async t => {
  let polls = 0;
  const r = await parallelBfs(countersWithActors(4, 9), specOf('countersWithActors', 4, 9), { workers: 2, shouldStop: () => ++polls > 3 });
  t.is(r.bound, 'interrupted');
  t.false(r.complete);
  t.true(r.states < 10 ** 4);
});

/** Small built-in scenarios, one of them symmetric, one violating. */
const scenarios: [string, string][] = [['refile-race', 'mainline'], ['refile-race', 'no-refile-seq'], ['two-faulters-one-page', 'mainline']];

for (const [name, variant] of scenarios) {
  test(`parallel BFS on ${name} (${variant}): 1 and 2 workers agree, with the sequential counterexample`, async t => {
    const sc = findScenario(name)!;
    const v = findVariant(variant)!;
    const seq = checkScenario(sc, v);
    const one = await checkScenarioAsync(sc, v, { workers: 1 });
    const two = await checkScenarioAsync(sc, v, { workers: 2 });
    t.deepEqual(essence(two.result), essence(one.result));
    t.deepEqual(two.trace, one.trace);
    t.is(one.result.verdict, seq.result.verdict);
    t.deepEqual(one.result.violation, seq.result.violation);
    if (seq.result.verdict === 'ok') t.is(one.result.states, seq.result.states);
    t.is(two.workers, 2);
  });
}

test('parallel BFS with symmetry in the workers: fewer states than without, the same for 1 and 2 workers', async t => {
  const sc = findScenario('two-faulters-one-page')!;
  const v = findVariant('mainline')!;
  const on = await checkScenarioAsync(sc, v, { workers: 2, symmetry: true });
  const off = await checkScenarioAsync(sc, v, { workers: 2, symmetry: false });
  t.true(on.symmetry);
  t.true(on.result.states < off.result.states);
  t.is(off.result.states, checkScenario(sc, v, { symmetry: false }).result.states);
  t.is(on.result.states, checkScenario(sc, v, { symmetry: true }).result.states);
});

test('swarm with maxStates: check() (strategy random), this thread and 2 workers give the same cut; some cut falls after the first chunk of walks', async t => {
  let afterFirstChunk = 0;
  for (const strategy of ['random', 'pct'] as const) {
    for (const bad of [-1, 8]) {
      for (const maxStates of [5, 30, 50, 60]) {
        const what = `${strategy}, bad sum ${bad}, maxStates ${maxStates}`;
        const options = { strategy, seed: 9, walks: 60, maxStates };
        const here = await walkSearch(countersWithActors(3, 3, bad), options);
        const there = await walkSearchParallel(countersWithActors(3, 3, bad), specOf('countersWithActors', 3, 3, bad), options, 2);
        t.deepEqual(essence(there), essence(here), what);
        if (strategy === 'random') t.deepEqual(essence(check(countersWithActors(3, 3, bad), { ...options, strategy })), essence(here), what);
        if (here.bound === 'max-states') t.is(here.states, maxStates, what);
        // Walks on the 3x3x3 grid take at most 9 steps: more transitions than 8 walks' means the cut is past chunk 0.
        if (here.bound === 'max-states' && here.transitions > 8 * 9) afterFirstChunk++;
      }
    }
  }
  t.true(afterFirstChunk > 0, 'no state limit cut a walk after the first chunk handed to a worker');
});

for (const strategy of ['random', 'pct'] as const) {
  test(`swarm ${strategy}: the same result in this thread and over 2 and 3 worker threads`, async t => {
    for (const bad of [-1, 6]) {
      const here = await walkSearch(countersWithActors(3, 3, bad), { strategy, seed: 9, walks: 60 });
      for (const k of [2, 3]) {
        const there = await walkSearchParallel(countersWithActors(3, 3, bad), specOf('countersWithActors', 3, 3, bad), { strategy, seed: 9, walks: 60 }, k);
        t.deepEqual(essence(there), essence(here), `${k} workers, bad sum ${bad}`);
      }
      t.is(here.bound, strategy);
    }
  });
}

test('shards: their walks partition the swarm; their transitions add up to the whole; the violating walk is found by its shard', async t => {
  const all = shardWalks(50, undefined);
  const parts = [0, 1, 2].map(index => shardWalks(50, { index, count: 3 }));
  t.deepEqual([...parts.flat()].sort((a, b) => a - b), all);
  const whole = await walkSearch(countersWithActors(3, 3), { strategy: 'pct', seed: 2, walks: 50 });
  const shards = await Promise.all([0, 1, 2].map(index => walkSearch(countersWithActors(3, 3), { strategy: 'pct', seed: 2, walks: 50, shard: { index, count: 3 } })));
  t.is(shards.reduce((n, r) => n + r.transitions, 0), whole.transitions);
  t.true(shards.every(r => r.states <= whole.states));
  // A violation: the lowest violating walk of the whole swarm is the lowest of its shard.
  const m = countersWithActors(3, 3, 5);
  const runner = new WalkRunner(m, { strategy: 'random', seed: 1 });
  const first = all.find(w => runner.runWalk(w, () => false).violation !== null)!;
  const found = await walkSearch(countersWithActors(3, 3, 5), { strategy: 'random', seed: 1, walks: 50, shard: { index: first % 3, count: 3 } });
  const full = await walkSearch(countersWithActors(3, 3, 5), { strategy: 'random', seed: 1, walks: 50 });
  t.deepEqual(found.violation, full.violation);
});

test('pct and the preemption bound find the no-refile-seq lost wakeup on refile-race, and name their bound', async t => {
  const sc = findScenario('refile-race')!;
  const bad = findVariant('no-refile-seq')!;
  const pct = await checkScenarioAsync(sc, bad, { strategy: 'pct', seed: 1, walks: 200 });
  t.is(pct.result.verdict, 'violation');
  t.is(pct.result.violation?.property, 'no-lost-wakeup');
  t.is(pct.result.bound, 'pct');
  t.is(pct.trace?.strategy, 'pct');
  const pre = await checkScenarioAsync(sc, bad, { maxPreemptions: 1 });
  t.is(pre.result.violation?.property, 'no-lost-wakeup');
  t.is(pre.result.bound, 'max-preemptions');
  const none = await checkScenarioAsync(sc, bad, { maxPreemptions: 0 });
  t.is(none.result.verdict, 'ok', 'the race needs a preemption');
  t.is(none.result.bound, 'max-preemptions');
  const fixed = await checkScenarioAsync(sc, findVariant('mainline')!, { maxPreemptions: 2 });
  t.is(fixed.result.verdict, 'ok');
  t.is(fixed.result.bound, 'max-preemptions');
});

test('preemption bound: COMPLETE only when nothing was cut; with enough preemptions, the BFS states', async t => {
  const racy = await preemptionSearch(mutexWithActors(false), { maxPreemptions: 1 });
  t.is(racy.verdict, 'ok', 'the racy mutex needs two preemptions');
  t.is(racy.bound, 'max-preemptions');
  const found = await preemptionSearch(mutexWithActors(false), { maxPreemptions: 2 });
  t.is(found.violation?.property, 'mutual-exclusion');
  t.deepEqual(found.violation?.labels, ['T0 load', 'T1 load', 'T1 store', 'T0 store']);
  const atomic = await preemptionSearch(mutexWithActors(true), { maxPreemptions: 10 });
  t.true(atomic.complete);
  t.is(atomic.states, check(mutexWithActors(true), { strategy: 'bfs' }).states);
  const zero = await preemptionSearch(lostWakeupWithActors(true), { maxPreemptions: 0 });
  t.is(zero.bound, 'max-preemptions');
  t.true(zero.states < check(lostWakeupWithActors(true), { strategy: 'bfs' }).states);
});
