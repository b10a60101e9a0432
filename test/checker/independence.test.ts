/**
 * porEstimate (checker/independence.ts): the best a partial-order reduction
 * could do, found by brute force. On toys whose answer is known by hand:
 * independent counters collapse to one interleaving, a shared variable
 * collapses nothing, the cycle proviso keeps an action that a loop would
 * otherwise postpone forever (also when the loop closes within one BFS
 * level) and stays off where there is no cycle, the lost-wakeup deadlock
 * survives, and symmetry decides commutation on concrete states.
 */
import test from 'ava';
import { porEstimate, type Model } from '../../checker/index.js';
import { cyclicComponents } from '../../checker/independence.js';
import { countersWithActors, lostWakeupWithActors } from '../fixtures/actors.js';

test('independent counters: the full grid, and a single interleaving of it under ideal persistent sets', t => {
  for (const [k, max] of [[2, 3], [3, 2], [3, 3]] as const) {
    const r = porEstimate(countersWithActors(k, max));
    t.is(r.full.states, (max + 1) ** k, `${k} counters to ${max}: the grid`);
    // Every increment commutes with every other counter's: {one counter} is persistent until it is done,
    // so the reduced search walks one counter to max, then the next: k * max steps, k * max + 1 states.
    t.is(r.ideal.states, k * max + 1);
    t.is(r.ideal.transitions, k * max);
    t.is(r.commuting, r.pairs, 'increments of different counters always commute');
    t.deepEqual(r.ideal.terminals, r.full.terminals);
    t.is(r.terminalsLost, 0);
    t.false(r.cut);
  }
});

/** Two actors, each applying x := 2x + (its id) twice to a shared x: no two steps commute. */
function sharedModel(): Model<{ x: number; pc: readonly number[] }, number> {
  return {
    init: () => ({ x: 0, pc: [0, 0] }),
    actions: s => [0, 1].filter(i => s.pc[i]! < 2),
    step: (s, i) => ({ x: 2 * s.x + i + 1, pc: s.pc.map((p, j) => (j === i ? p + 1 : p)) }),
    encode: s => `${s.x}/${s.pc.join(',')}`,
    label: (_s, i) => `a${i}`,
    actor: (_s, i) => i,
    properties: [],
  };
}

test('a shared variable both actors rewrite: nothing commutes, nothing is saved', t => {
  const r = porEstimate(sharedModel());
  t.is(r.commuting, 0);
  t.true(r.pairs > 0);
  t.is(r.ideal.states, r.full.states);
  t.is(r.ideal.transitions, r.full.transitions);
  t.is(r.terminalsLost, 0);
});

/** Actor 0 toggles a bit forever; actor 1 sets `done` once. They commute, and actor 0 is always enabled. */
function loopModel(): Model<{ bit: number; done: number }, number> {
  return {
    init: () => ({ bit: 0, done: 0 }),
    actions: s => (s.done === 0 ? [0, 1] : [0]),
    step: (s, i) => (i === 0 ? { ...s, bit: 1 - s.bit } : { ...s, done: 1 }),
    encode: s => `${s.bit}${s.done}`,
    label: (_s, i) => `a${i}`,
    actor: (_s, i) => i,
    properties: [],
  };
}

test('cycle proviso: a loop of one actor does not postpone the other actor forever', t => {
  const r = porEstimate(loopModel());
  // {actor 0} is persistent everywhere; without the proviso the reduced search would only ever toggle
  // the bit (2 states) and never see done = 1. The toggle back to an already-seen state forces a full expansion.
  t.is(r.full.states, 4);
  t.is(r.ideal.states, 4);
  t.is(r.full.terminals.length, 0);
  t.is(r.cyclicStates, 4);
  t.true(r.provisoExpansions > 0);
});

/**
 * Actors 2 and 3 each set `go` (3 also sets `bit`) and so disable each other; then actor 0 toggles
 * `bit` and actor 1 sets `done` once. The toggle's cycle joins two states of the same BFS level.
 */
function sameLevelLoopModel(): Model<{ go: number; bit: number; done: number }, number> {
  return {
    init: () => ({ go: 0, bit: 0, done: 0 }),
    actions: s => (s.go === 0 ? [2, 3] : s.done === 0 ? [0, 1] : [0]),
    step: (s, i) => (i === 2 ? { ...s, go: 1 } : i === 3 ? { ...s, go: 1, bit: 1 } : i === 0 ? { ...s, bit: 1 - s.bit } : { ...s, done: 1 }),
    encode: s => `${s.go}${s.bit}${s.done}`,
    label: (_s, i) => `a${i}`,
    actor: (_s, i) => i,
    properties: [],
  };
}

test('cycle proviso: a cycle closed within one BFS level (an edge to the same depth) also forces a full expansion', t => {
  const r = porEstimate(sameLevelLoopModel());
  // Without it, both go = 1 states would only toggle into each other (depth 1 to depth 1) and never set done.
  t.is(r.full.states, 5);
  t.is(r.ideal.states, 5);
});

/**
 * Acyclic, but one state is reached by paths of different lengths: actor 0 takes x from 0 to 1 to 2,
 * actor 2 jumps x from 0 to 2, actor 1 sets y, and actor 3 sets z once x has moved. In (1,1,0)
 * {actor 0} is persistent, and its successor (2,1,0) was already found at the same depth (through
 * the jump): an edge to a state seen at depth <= d that closes no cycle.
 */
function shortcutModel(): Model<{ x: number; y: number; z: number }, number> {
  return {
    init: () => ({ x: 0, y: 0, z: 0 }),
    actions: s => [0, 1, 2, 3].filter(i => (i === 0 ? s.x < 2 : i === 1 ? s.y === 0 : i === 2 ? s.x === 0 : s.z === 0 && s.x > 0)),
    step: (s, i) => (i === 0 ? { ...s, x: s.x + 1 } : i === 1 ? { ...s, y: 1 } : i === 2 ? { ...s, x: 2 } : { ...s, z: 1 }),
    encode: s => `${s.x}${s.y}${s.z}`,
    label: (_s, i) => `a${i}`,
    actor: (_s, i) => i,
    properties: [],
  };
}

test('no cycle, no proviso: on an acyclic state space no state is expanded fully for it', t => {
  for (const r of [porEstimate(countersWithActors(3, 3)), porEstimate(lostWakeupWithActors(false)), porEstimate(sharedModel()), porEstimate(shortcutModel())]) {
    t.is(r.cyclicStates, 0);
    t.is(r.provisoExpansions, 0);
    t.is(r.terminalsLost, 0);
  }
});

test('cyclicComponents: the vertices on a cycle, by component; a self-loop is a cycle; other vertices -1', t => {
  const g = new Map<string, string[]>([
    ['a', ['b']], ['b', ['c', 'd']], ['c', ['a']], // a -> b -> c -> a
    ['d', ['e']], ['e', ['e', 'x']], // e loops on itself; x was never expanded
    ['f', ['a']],
  ]);
  const c = cyclicComponents(g);
  t.true(c.get('a')! >= 0);
  t.is(c.get('a'), c.get('b'));
  t.is(c.get('b'), c.get('c'));
  t.true(c.get('e')! >= 0);
  t.not(c.get('e'), c.get('a'));
  t.is(c.get('d'), -1);
  t.is(c.get('f'), -1);
  t.false(c.has('x'));
});

test('symmetry: one state per orbit, but commutation is decided on concrete states (every increment still commutes)', t => {
  // Two interchangeable counters: the orbit of (x, y) is its sorted pair.
  const m: Model<readonly number[], number> = { ...countersWithActors(2, 3), symmetricEncode: s => [...s].sort((a, b) => a - b).join(',') };
  const r = porEstimate(m, { symmetry: true });
  t.is(r.full.states, 10, 'the pairs x <= y of 0..3');
  t.true(r.pairs > 0);
  t.is(r.commuting, r.pairs);
  t.is(r.terminalsLost, 0);
  t.true(r.ideal.states < r.full.states);
});

test('an actor with two enabled actions in one state is refused: transitions are named by actor', t => {
  const m: Model<{ x: number; y: number }, string> = {
    init: () => ({ x: 0, y: 0 }),
    actions: s => (s.x === 0 ? ['a', 'b', 'c'] : s.y === 0 ? ['c'] : []),
    step: (s, a) => (a === 'a' ? { ...s, x: 1 } : a === 'b' ? { ...s, x: 2 } : { ...s, y: 1 }),
    encode: s => `${s.x}${s.y}`,
    label: (_s, a) => a,
    actor: (_s, a) => (a === 'c' ? 1 : 0),
    properties: [],
  };
  t.throws(() => porEstimate(m), { instanceOf: RangeError, message: /two enabled actions/ });
});

test('the lost-wakeup toy: its deadlock is a terminal state of the reduced search too', t => {
  const buggy = porEstimate(lostWakeupWithActors(false));
  const stuck = buggy.full.terminals.filter(k => !k.startsWith('done/'));
  t.true(stuck.length > 0, 'the buggy waiter can sleep forever');
  for (const k of stuck) t.true(buggy.ideal.terminals.includes(k), k);
  t.is(buggy.terminalsLost, 0);
  t.true(buggy.ideal.states <= buggy.full.states);
  const fixed = porEstimate(lostWakeupWithActors(true));
  t.true(fixed.full.terminals.every(k => k.startsWith('done/')));
  t.deepEqual(fixed.ideal.terminals, fixed.full.terminals);
});

test('maxStates cuts both searches and says so', t => {
  const r = porEstimate(countersWithActors(3, 4), { maxStates: 20 });
  t.true(r.cut);
  t.true(r.full.states < 125);
});
