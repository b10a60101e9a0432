import test from 'ava';
import {
  check,
  CheckerBug,
  PROGRESS_INTERVAL,
  type CheckOptions,
  type CheckResult,
  type Progress,
} from '../../checker/index.js';
import { countersModel } from '../fixtures/counters.js';
import { chain, graphModel } from '../fixtures/graph.js';
import { lostWakeupModel } from '../fixtures/lost-wakeup.js';
import { mutexModel } from '../fixtures/mutex.js';
import { nondeterministicModel } from '../fixtures/nondeterministic.js';

const bfs: CheckOptions = { strategy: 'bfs' };
const dfs: CheckOptions = { strategy: 'dfs' };

// --- (a) two-thread mutex -------------------------------------------------

test('correct mutex: ok, complete, with the hand-counted state space', (t) => {
  // pc per thread is 0 (before), 2 (critical section) or 3 (done), and the
  // lock is held iff some pc is 2: 3 * 3 = 9 pc pairs minus (2,2) = 8 states.
  // Enabled actions: (0,0):2  (2,0),(0,2):1  (3,0),(0,3):1  (3,2),(2,3):1  (3,3):0
  // = 2 + 2 + 2 + 2 = 8 transitions. Each thread takes 2 steps: depth 4.
  for (const options of [bfs, dfs]) {
    const { storedBytes, visitedBytes, traceBytes, ...r } = check(mutexModel(true), options);
    t.true(visitedBytes > 0);
    t.is(storedBytes, visitedBytes + traceBytes);
    t.is(traceBytes > 0, options.strategy === 'bfs');
    t.deepEqual(r, {
      verdict: 'ok',
      complete: true,
      bound: null,
      states: 8,
      transitions: 8,
      maxDepth: 4,
      strategy: options.strategy,
      violation: null,
      goals: [{ name: 'contention', reached: true }],
    });
  }
});

test('racy mutex: BFS finds the shortest mutual-exclusion violation', (t) => {
  // Level 0: 00U. Level 1: 10U 01U. Level 2: 20L 11U 02L.
  // Level 3: 30U 21L 12L 03U. Expanding 30U finds 31U; then 21L: T0 release
  // gives 31U (seen), T1 store gives 22L: both in the critical section.
  // States 1+2+3+4+2 = 12; transitions 2 + 4 + (1+2+1) + (1+2) = 13.
  const r = check(mutexModel(false), bfs);
  t.is(r.verdict, 'violation');
  t.is(r.states, 12);
  t.is(r.transitions, 13);
  t.is(r.maxDepth, 4);
  t.deepEqual(r.violation, {
    property: 'mutual-exclusion',
    kind: 'always',
    message: 'both threads in the critical section',
    choices: [0, 1, 0, 1],
    labels: ['T0 load', 'T1 load', 'T0 store', 'T1 store'],
    depth: 4,
  });
});

test('racy mutex: DFS finds a violation along its stack', (t) => {
  // DFS runs T0 to completion first (00U 10U 20L 30U 31U 32L 33U), then
  // backtracks to 10U: T1 load 11U, T0 store 21L, T0 release 31U (seen),
  // T1 store 22L. 10 states, 10 transitions.
  const r = check(mutexModel(false), dfs);
  t.is(r.states, 10);
  t.is(r.transitions, 10);
  t.deepEqual(r.violation?.choices, [0, 1, 0, 1]);
  t.deepEqual(r.violation?.labels, ['T0 load', 'T1 load', 'T0 store', 'T1 store']);
});

// --- (b) lost wakeup ------------------------------------------------------

test('check-then-sleep loses the wakeup (terminal violation, shortest schedule)', (t) => {
  // The only 4-step schedule: the waiter sees the flag clear, the waker sets
  // it and wakes nobody, then the waiter sleeps. No terminal state with the
  // waiter not done exists at depth < 4.
  for (const options of [bfs, dfs]) {
    const r = check(lostWakeupModel(false), options);
    t.is(r.verdict, 'violation');
    t.deepEqual(r.violation, {
      property: 'no-lost-wakeup',
      kind: 'terminal',
      message: 'waiter asleep forever',
      choices: [0, 1, 1, 0],
      labels: ['waiter check', 'waker set', 'waker wake', 'waiter sleep'],
      depth: 4,
    });
  }
});

test('set-state-then-check is ok with the hand-counted state space', (t) => {
  // (waiter, waker) with task/woken derived from the history:
  // waker at set (flag clear): prepare, check(i), schedule(i)          = 3
  // waker at wake (flag set):  prepare, check(i), schedule(i), done     = 4
  // waker done: woken while at prepare -> prepare(r,0), check(i,0), done(r,0);
  //             woken at check/schedule -> check(r,1), schedule(r,1), done(r,1) = 6
  // 13 states. Enabled actions: 2+2+1 + 2+2+1+1 + 1+1+0+1+1+0 = 15.
  // Deepest shortest path: 2 waiter + 2 waker steps = 4.
  const { storedBytes, visitedBytes, traceBytes, ...r } = check(lostWakeupModel(true), bfs);
  t.true(visitedBytes > 0 && traceBytes > 0);
  t.is(storedBytes, visitedBytes + traceBytes);
  t.deepEqual(r, {
    verdict: 'ok',
    complete: true,
    bound: null,
    states: 13,
    transitions: 15,
    maxDepth: 4,
    strategy: 'bfs',
    violation: null,
    goals: [{ name: 'waiter-woken', reached: true }],
  });
  const d = check(lostWakeupModel(true), dfs);
  t.is(d.verdict, 'ok');
  t.is(d.states, 13);
  t.is(d.transitions, 15);
});

// --- (c) literal graphs ---------------------------------------------------

test('BFS gives the shortest counterexample, DFS the first along its stack', (t) => {
  const edges = [
    ['A', 'B'],
    ['A', 'X'],
    ['B', 'C'],
    ['C', 'D'],
    ['D', 'X'],
  ] as const;
  const model = graphModel(edges, { bad: ['X'] });
  const b = check(model, bfs);
  t.deepEqual(b.violation, {
    property: 'no-bad-node',
    kind: 'always',
    message: 'reached bad node X',
    choices: [1],
    labels: ['A->X'],
    depth: 1,
  });
  t.is(b.states, 3); // A, B, X
  const d = check(model, dfs);
  t.deepEqual(d.violation?.choices, [0, 0, 0, 0]);
  t.deepEqual(d.violation?.labels, ['A->B', 'B->C', 'C->D', 'D->X']);
  t.is(d.violation?.depth, 4);
  t.is(d.states, 5);
});

test('a violation in the initial state has an empty path', (t) => {
  for (const options of [bfs, dfs]) {
    const r = check(graphModel([['A', 'B']], { bad: ['A'] }), options);
    t.is(r.states, 1);
    t.is(r.transitions, 0);
    t.deepEqual(r.violation?.choices, []);
    t.deepEqual(r.violation?.labels, []);
  }
});

test('terminal properties are judged only in states without enabled actions', (t) => {
  // T is "stuck" but has an edge out; only the dead end E violates.
  const edges = [
    ['A', 'T'],
    ['T', 'E'],
  ] as const;
  const r = check(graphModel(edges, { stuck: ['T'] }), bfs);
  t.is(r.verdict, 'ok');
  const v = check(graphModel(edges, { stuck: ['T', 'E'] }), bfs);
  t.deepEqual(v.violation, {
    property: 'no-stuck-node',
    kind: 'terminal',
    message: 'dead end at E',
    choices: [0, 0],
    labels: ['A->T', 'T->E'],
    depth: 2,
  });
});

test('maxDepth bounds the search and reports max-depth', (t) => {
  const model = graphModel(chain(5)); // n0 .. n4, n4 has no edge
  for (const options of [bfs, dfs]) {
    const cut = check(model, { ...options, maxDepth: 2 });
    t.is(cut.complete, false);
    t.is(cut.bound, 'max-depth');
    t.is(cut.states, 3);
    t.is(cut.transitions, 2);
    t.is(cut.maxDepth, 2);
    t.is(cut.verdict, 'ok');
    // n3 at depth 3 still has an edge: bounded.
    t.is(check(model, { ...options, maxDepth: 3 }).bound, 'max-depth');
    // n4 at depth 4 has none: nothing was cut.
    const full = check(model, { ...options, maxDepth: 4 });
    t.is(full.complete, true);
    t.is(full.bound, null);
    t.is(full.states, 5);
    // maxDepth 0: only the initial state is judged.
    const zero = check(model, { ...options, maxDepth: 0 });
    t.is(zero.states, 1);
    t.is(zero.bound, 'max-depth');
  }
});

test('depth-bounded DFS revisits a state first seen too deep', (t) => {
  // DFS reaches C first at depth 2 (A->B->C) where maxDepth 2 cuts it, then
  // at depth 1 (A->C) and must expand it to find D at depth 2.
  const edges = [
    ['A', 'B'],
    ['B', 'C'],
    ['C', 'D'],
    ['A', 'C'],
  ] as const;
  const model = graphModel(edges, { bad: ['D'] });
  const r = check(model, { strategy: 'dfs', maxDepth: 2 });
  t.is(r.verdict, 'violation');
  t.deepEqual(r.violation?.labels, ['A->C', 'C->D']);
  const ok = check(graphModel(edges), { strategy: 'dfs', maxDepth: 2 });
  t.is(ok.states, 4);
  t.is(ok.complete, true); // the cut at C was undone by the revisit
  t.is(ok.transitions, 4); // A->B, B->C, A->C, C->D
});

test('maxStates bounds the search and reports max-states', (t) => {
  const model = graphModel(chain(5));
  for (const options of [bfs, dfs]) {
    const r = check(model, { ...options, maxStates: 3 });
    t.is(r.complete, false);
    t.is(r.bound, 'max-states');
    t.is(r.states, 3);
    t.is(r.verdict, 'ok');
    // Exactly as many states as the model has: complete.
    const full = check(model, { ...options, maxStates: 5 });
    t.is(full.complete, true);
    t.is(full.states, 5);
  }
});

test('max-states wins over max-depth when both apply', (t) => {
  const model = graphModel([
    ['A', 'B'],
    ['A', 'C'],
    ['A', 'D'],
    ['B', 'E'],
  ]);
  const r = check(model, { strategy: 'bfs', maxDepth: 1, maxStates: 3 });
  t.is(r.bound, 'max-states');
  t.is(r.states, 3);
});

test('an unreached goal is a violation after a complete search only', (t) => {
  const edges = chain(4);
  const missed = check(graphModel(edges, { goal: 'Z' }), bfs);
  t.is(missed.verdict, 'violation');
  t.deepEqual(missed.violation, {
    property: 'reach-Z',
    kind: 'sometimes',
    message: 'never reached in 4 states: the scenario is vacuous for this goal',
    choices: [],
    labels: [],
    depth: 0,
  });
  t.deepEqual(missed.goals, [{ name: 'reach-Z', reached: false }]);

  const bounded = check(graphModel(edges, { goal: 'n3' }), { strategy: 'bfs', maxDepth: 2 });
  t.is(bounded.verdict, 'ok');
  t.is(bounded.complete, false);
  t.deepEqual(bounded.goals, [{ name: 'reach-n3', reached: false }]);

  for (const options of [bfs, dfs]) {
    const reached = check(graphModel(edges, { goal: 'n3' }), options);
    t.is(reached.verdict, 'ok');
    t.deepEqual(reached.goals, [{ name: 'reach-n3', reached: true }]);
  }

  const notApplicable = check(graphModel(edges, { goal: 'Z', goalApplies: false }), bfs);
  t.is(notApplicable.verdict, 'ok');
  t.deepEqual(notApplicable.goals, []);
});

test('cycles terminate and each state is expanded once', (t) => {
  const edges = [
    ['A', 'B'],
    ['B', 'A'],
    ['B', 'C'],
    ['C', 'C'],
  ] as const;
  for (const options of [bfs, dfs, { ...dfs, maxDepth: 10 }]) {
    const r = check(graphModel(edges), options);
    t.is(r.verdict, 'ok');
    t.true(r.complete);
    t.is(r.states, 3);
    t.is(r.transitions, 4);
    t.is(r.maxDepth, 2);
  }
});

// --- size, depth, determinism, progress ------------------------------------

test('a 50^3 grid: exact counts, shortest path to a bad sum', (t) => {
  // 50^3 = 125000 states; 3 * 49 * 50 * 50 = 367500 transitions; the deepest
  // state (49,49,49) is at depth 147, on every path.
  for (const options of [bfs, dfs]) {
    const r = check(countersModel(3, 49), options);
    t.is(r.verdict, 'ok');
    t.is(r.states, 125_000);
    t.is(r.transitions, 367_500);
    t.is(r.maxDepth, 147);
  }
  // Any path to a state with sum 100 has 100 steps.
  for (const options of [bfs, dfs]) {
    const v = check(countersModel(3, 49, 100), options);
    t.is(v.violation?.depth, 100);
    t.is(v.violation?.labels.length, 100);
  }
  // BFS discovers each level in lexicographically decreasing order (a state
  // is found from its largest predecessor, which decrements its last nonzero
  // counter), so the first sum-100 state is (49, 49, 2), reached through
  // (49,0,0) and (49,49,0). Each increment is the first enabled action: index 0.
  const b = check(countersModel(3, 49, 100), bfs);
  t.deepEqual(b.violation?.choices, new Array<number>(100).fill(0));
  t.deepEqual(b.violation?.labels, [
    ...new Array<string>(49).fill('inc0'),
    ...new Array<string>(49).fill('inc1'),
    'inc2',
    'inc2',
  ]);
});

test('DFS is iterative: a 100k-long chain does not overflow the stack', (t) => {
  const r = check(countersModel(1, 100_000), dfs);
  t.is(r.states, 100_001);
  t.is(r.maxDepth, 100_000);
  const v = check(countersModel(1, 100_000, 99_999), dfs);
  t.is(v.violation?.depth, 99_999);
});

test('two runs give deep-equal results', (t) => {
  const runs: ((options: CheckOptions) => CheckResult)[] = [
    (options) => check(mutexModel(false), options),
    (options) => check(mutexModel(true), options),
    (options) => check(lostWakeupModel(false), options),
    (options) => check(lostWakeupModel(true), options),
    (options) => check(countersModel(3, 12, 20), options),
  ];
  for (const run of runs) {
    for (const options of [bfs, dfs, { ...bfs, maxDepth: 3 }, { ...dfs, maxStates: 7 }]) {
      t.deepEqual(run(options), run(options));
    }
  }
});

test('onProgress is called every PROGRESS_INTERVAL states and does not change the result', (t) => {
  const seen: Progress[] = [];
  const model = countersModel(3, 29); // 27000 states
  const withHook = check(model, { strategy: 'bfs', onProgress: (p) => seen.push(p) });
  t.deepEqual(withHook, check(model, bfs));
  t.deepEqual(
    seen.map((p) => p.states),
    [PROGRESS_INTERVAL, 2 * PROGRESS_INTERVAL],
  );
  t.true(seen.every((p) => p.transitions >= p.states - 1 && p.frontier > 0));
  const dfsSeen: number[] = [];
  check(model, { strategy: 'dfs', onProgress: (p) => dfsSeen.push(p.states) });
  t.deepEqual(dfsSeen, [PROGRESS_INTERVAL, 2 * PROGRESS_INTERVAL]);
});

test('a nondeterministic model is reported as a checker bug', (t) => {
  const error = t.throws(() => check(nondeterministicModel(), bfs), { instanceOf: CheckerBug });
  t.regex(error.message, /^\[checker bug\] replay diverged at step 1: /);
});

test('invalid options are rejected', (t) => {
  const model = graphModel(chain(2));
  t.throws(() => check(model, { strategy: 'bfs', maxDepth: -1 }), { instanceOf: RangeError });
  t.throws(() => check(model, { strategy: 'bfs', maxStates: 0 }), { instanceOf: RangeError });
  t.throws(() => check(model, { strategy: 'xfs' as 'bfs' }), { instanceOf: RangeError });
});
