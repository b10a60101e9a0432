/**
 * Bounded and reduced searches of the generic checker on toy models: random
 * walks (deterministic per seed, never complete), interruption through
 * shouldStop (a partial result, BOUNDED(interrupted)), checkAsync (the same
 * result as check), and symmetry (one state per orbit, same verdicts).
 */
import test from 'ava';
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
