/**
 * Bounded and reduced searches of the generic checker on toy models: random
 * walks (deterministic per seed, never complete; the state limit cuts them
 * where walking by hand says it must), interruption through
 * shouldStop (a partial result, BOUNDED(interrupted)), checkAsync (the same
 * result as check), and symmetry (one state per orbit, same verdicts).
 */
import test from 'ava';
import seedrandom from 'seedrandom';
import { check, checkAsync, type Model } from '../../checker/index.js';
import { countersModel } from '../fixtures/counters.js';

test('random: the same seed gives the same walks; a violation on every path is found, with a replayable walk', t => {
  const a = check(countersModel(3, 3, 5), { strategy: 'random', seed: 7, walks: 50 });
  const b = check(countersModel(3, 3, 5), { strategy: 'random', seed: 7, walks: 50 });
  t.deepEqual(a, b);
  t.is(a.verdict, 'violation');
  t.false(a.complete);
  t.is(a.bound, 'random');
  // Every path from (0,0,0) passes through a state whose counters sum to 5, and reaches it in 5 steps.
  t.is(a.violation?.depth, 5);
  const m = countersModel(3, 3, 5);
  let s = m.init();
  for (const c of a.violation!.choices) s = m.step(s, m.actions(s)[c]!);
  t.is(s.reduce((x, y) => x + y, 0), 5);
  t.deepEqual(a.violation!.labels, a.violation!.choices.map((_, i) => a.violation!.labels[i]!));
});

test('random without a violation: ok but never complete; walks end where nothing is enabled', t => {
  const r = check(countersModel(3, 3), { strategy: 'random', seed: 1, walks: 20 });
  t.is(r.verdict, 'ok');
  t.is(r.bound, 'random');
  t.is(r.maxDepth, 9);
  t.true(r.states > 9 && r.states <= 64);
  t.is(r.transitions, 20 * 9, 'each walk takes the 9 steps to (3,3,3)');
  const short = check(countersModel(3, 3), { strategy: 'random', seed: 1, walks: 20, maxDepth: 4 });
  t.is(short.maxDepth, 4);
  t.is(short.transitions, 20 * 4);
});

/** The counters toy with a goal: some counter reaches `max`. */
function countersWithGoal(k: number, max: number, badSum = -1): Model<readonly number[], number> {
  const m = countersModel(k, max, badSum);
  return {
    ...m,
    properties: [...m.properties, {
      kind: 'sometimes', name: 'a-counter-full', description: 'some counter reaches max', cites: 'toy',
      applies: () => true, reached: s => s.includes(max),
    }],
  };
}

/**
 * Random walks done by hand, for the documented scheme: walk w draws from
 * seedrandom(`uffd-mc:random:SEED:w`) and takes enabled action
 * floor(rng() * n); each state is judged when first found; a step finding a
 * state beyond maxStates distinct ones ends everything (its transition counts).
 */
function walkByHand(m: Model<readonly number[], number>, seed: number, walks: number, maxStates: number): { bound: string; states: number; transitions: number; maxDepth: number; choices: number[] | null; goal: boolean } {
  const init = m.init();
  const seen = new Set([m.encode(init)]);
  const bad = (s: readonly number[]): boolean => m.properties.some(p => p.kind === 'always' && p.violation(s) !== null);
  const goal = (s: readonly number[]): boolean => m.properties.some(p => p.kind === 'sometimes' && p.reached(s));
  let transitions = 0;
  let maxDepth = 0;
  let reached = goal(init);
  for (let w = 0; w < walks; w++) {
    const rng = seedrandom(`uffd-mc:random:${seed}:${w}`);
    let s = init;
    const path: number[] = [];
    for (let en = m.actions(s); en.length > 0; en = m.actions(s)) {
      const j = Math.floor(rng() * en.length);
      s = m.step(s, en[j]!);
      path.push(j);
      transitions++;
      if (seen.has(m.encode(s))) continue;
      if (seen.size === maxStates) return { bound: 'max-states', states: seen.size, transitions, maxDepth, choices: null, goal: reached };
      seen.add(m.encode(s));
      maxDepth = Math.max(maxDepth, path.length);
      reached ||= goal(s);
      if (bad(s)) return { bound: 'random', states: seen.size, transitions, maxDepth, choices: path, goal: reached };
    }
  }
  return { bound: 'random', states: seen.size, transitions, maxDepth, choices: null, goal: reached };
}

test('random with maxStates: cut at the step walking by hand says, with its counts, goals and verdict; BOUNDED(max-states)', t => {
  let cuts = 0;
  for (const badSum of [-1, 8]) {
    for (const maxStates of [1, 2, 10, 30, 50, 63, 64, 1000]) {
      const m = countersWithGoal(3, 3, badSum);
      const r = check(m, { strategy: 'random', seed: 3, walks: 40, maxStates });
      const hand = walkByHand(m, 3, 40, maxStates);
      const what = `badSum ${badSum}, maxStates ${maxStates}`;
      t.deepEqual(
        { bound: r.bound, states: r.states, transitions: r.transitions, maxDepth: r.maxDepth, choices: r.violation?.choices ?? null, goal: r.goals[0]!.reached },
        hand, what);
      t.false(r.complete, what);
      // Each step raises the sum, so walk 0's states are all new: under 8 states the limit cuts before sum 8 is met.
      if (maxStates < 8) t.is(r.bound, 'max-states', what);
      if (maxStates >= 64) t.not(r.bound, 'max-states', `${what}: the grid has 64 states`);
      if (r.bound === 'max-states') {
        cuts++;
        t.is(r.states, maxStates, what);
        t.is(r.verdict, 'ok', `${what}: a cut run claims no vacuity`);
      }
    }
  }
  t.log(`${cuts} of 16 runs cut by the state limit`);
});

test('shouldStop interrupts every strategy with a partial result', t => {
  for (const strategy of ['bfs', 'dfs', 'random'] as const) {
    let polls = 0;
    const r = check(countersModel(4, 9), { strategy, shouldStop: () => ++polls >= 2 });
    t.is(polls, 2, strategy);
    t.is(r.bound, 'interrupted', strategy);
    t.false(r.complete);
    t.is(r.verdict, 'ok', 'an interrupted search claims no vacuity');
    t.true(r.states > 1 && r.states < 10_000, strategy);
  }
});

test('checkAsync gives the result of check, and lets the event loop run', async t => {
  const m = countersModel(4, 6, 17);
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 0);
  const a = await checkAsync(m, { strategy: 'bfs' });
  clearInterval(timer);
  t.deepEqual(a, check(m, { strategy: 'bfs' }));
  t.true(ticks > 0, 'no timer ran during the search');
});

/** Counters are interchangeable: a state's orbit is the multiset of its values. */
function symmetricCounters(k: number, max: number, badSum = -1): Model<readonly number[], number> {
  return { ...countersModel(k, max, badSum), symmetricEncode: s => [...s].sort((x, y) => x - y).join(',') };
}

test('symmetry: one state per orbit, the same verdict and depth, only when asked for', t => {
  const full = check(symmetricCounters(3, 3), { strategy: 'bfs' });
  const sym = check(symmetricCounters(3, 3), { strategy: 'bfs', symmetry: true });
  t.is(full.states, 64);
  t.is(sym.states, 20, 'multisets of 3 values in 0..3: C(6,3)');
  t.is(sym.maxDepth, full.maxDepth);
  const bad = check(symmetricCounters(3, 3, 5), { strategy: 'bfs', symmetry: true });
  t.is(bad.violation?.depth, 5);
  t.is(check(symmetricCounters(3, 3, 5), { strategy: 'dfs', symmetry: true }).verdict, 'violation');
});
