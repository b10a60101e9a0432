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
import { check, porEstimate, type Model } from '../../checker/index.js';
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

/** Positions for the toys: each actor's position is the part of the state that is its program counter. */
const counterPositions = (s: readonly number[]): Map<string, string> => new Map(s.map((v, i) => [String(i), `at ${v}`]));

test('static footprints: independent counters learn no dependency and collapse like the ideal; a shared variable collapses nothing', t => {
  const r = porEstimate(countersWithActors(3, 3), { positions: counterPositions });
  t.is(r.static!.states, 3 * 3 + 1);
  t.is(r.staticTerminalsLost, 0);
  const shared = porEstimate(sharedModel(), { positions: s => new Map(s.pc.map((p, i) => [String(i), `pc ${p}`])) });
  t.is(shared.static!.states, shared.full.states);
  t.is(porEstimate(countersWithActors(2, 2)).static, null, 'no positions, no static estimate');
});

test('static footprints: the lost-wakeup deadlock survives (the waker that can wake the sleeper is kept with it)', t => {
  for (const fixed of [false, true]) {
    const r = porEstimate(lostWakeupWithActors(fixed), {
      positions: s => new Map([...(s.waiter === 'done' ? [] : [['waiter', s.waiter] as const]), ...(s.waker === 'done' ? [] : [['waker', s.waker] as const])]),
    });
    t.deepEqual(r.static!.terminals, r.full.terminals);
    t.is(r.staticTerminalsLost, 0);
  }
});

/**
 * Actor 0 waits until `open`, then sets x = 10; actor 1 opens and sets z = 1; actor 2 sets x = 30;
 * actor 3 sets z = 3. In the first state a set around actor 2 must hold actor 0 (both write x), which
 * is waiting: so it must also hold actor 1, which can enable it (and then actor 3). Without that the
 * set would be {actor 2} alone, actor 2 would always write x first, and x = 30 would never be final.
 */
function gateModel(): Model<{ open: number; done: readonly number[]; x: number; z: number }, number> {
  return {
    init: () => ({ open: 0, done: [0, 0, 0, 0], x: 0, z: 0 }),
    actions: s => [0, 1, 2, 3].filter(i => s.done[i] === 0 && (i !== 0 || s.open === 1)),
    step: (s, i) => {
      const done = s.done.map((d, j) => (j === i ? 1 : d));
      return i === 0 ? { ...s, done, x: 10 } : i === 1 ? { ...s, done, open: 1, z: 1 } : i === 2 ? { ...s, done, x: 30 } : { ...s, done, z: 3 };
    },
    encode: s => `${s.open}${s.done.join('')}/${s.x}/${s.z}`,
    label: (_s, i) => `a${i}`,
    actor: (_s, i) => i,
    properties: [],
  };
}

test('static footprints: an actor that can enable a waiting member joins the set', t => {
  const where = ['wait', 'open', 'x', 'z'];
  const r = porEstimate(gateModel(), { positions: s => new Map(s.done.flatMap((d, i) => (d === 0 ? [[String(i), where[i]!] as const] : []))) });
  t.deepEqual(r.full.terminals.map(k => k.split('/').slice(1).join('/')).sort(), ['10/1', '10/3', '30/1', '30/3']);
  t.deepEqual(r.static!.terminals, r.full.terminals);
  t.is(r.staticTerminalsLost, 0);
});

test('static footprints: refused with symmetry, and when a step moves another actor or an actor appears (their relations would be wrong)', t => {
  const withOrbits: Model<readonly number[], number> = { ...countersWithActors(2, 2), symmetricEncode: s => [...s].sort((a, b) => a - b).join(',') };
  t.throws(() => porEstimate(withOrbits, { symmetry: true, positions: counterPositions }), { instanceOf: RangeError, message: /symmetry/ });
  // Actor 0 retargets actor 1 (part of actor 1's position) from y to x.
  const retarget: Model<{ target: string; done: readonly number[] }, number> = {
    init: () => ({ target: 'y', done: [0, 0] }),
    actions: s => [0, 1].filter(i => s.done[i] === 0),
    step: (s, i) => ({ target: i === 0 ? 'x' : s.target, done: s.done.map((d, j) => (j === i ? 1 : d)) }),
    encode: s => `${s.target}${s.done.join('')}`,
    label: (_s, i) => `a${i}`,
    actor: (_s, i) => i,
    properties: [],
  };
  const retargetAt = (s: { target: string; done: readonly number[] }): Map<string, string> =>
    new Map(s.done.flatMap((d, i) => (d === 0 ? [[String(i), i === 0 ? 'retarget' : `write ${s.target}`] as const] : [])));
  t.throws(() => porEstimate(retarget, { positions: retargetAt }), { instanceOf: RangeError, message: /moved 1/ });
  // Actor 0 spawns actor 1.
  const spawn: Model<{ spawned: number; done: readonly number[] }, number> = {
    init: () => ({ spawned: 0, done: [0, 0] }),
    actions: s => (s.done[0] === 0 ? [0] : s.done[1] === 0 ? [1] : []),
    step: (s, i) => ({ spawned: 1, done: s.done.map((d, j) => (j === i ? 1 : d)) }),
    encode: s => `${s.spawned}${s.done.join('')}`,
    label: (_s, i) => `a${i}`,
    actor: (_s, i) => i,
    properties: [],
  };
  const spawnAt = (s: { spawned: number; done: readonly number[] }): Map<string, string> =>
    new Map(s.done.flatMap((d, i) => (d === 0 && (i === 0 || s.spawned === 1) ? [[String(i), `a${i}`] as const] : [])));
  t.throws(() => porEstimate(spawn, { positions: spawnAt }), { instanceOf: RangeError, message: /appeared/ });
});

test('static footprints, verified: every static set smaller than the enabled actions passes the exact persistence check', t => {
  const r = porEstimate(gateModel(), {
    positions: s => new Map(s.done.flatMap((d, i) => (d === 0 ? [[String(i), ['wait', 'open', 'x', 'z'][i]!] as const] : []))),
    verify: true,
  });
  t.is(r.staticNotPersistent, 0);
  t.is(r.staticUnverified, 0);
  t.true(r.static!.states < r.full.states, 'some static set was smaller than all enabled actions, so something was checked');
});

test('untilViolation: each search records the first violation it meets, at the depth the checker finds it; the reduced ones stop there', t => {
  const buggy = lostWakeupWithActors(false);
  const positions = (s: ReturnType<typeof buggy.init>): Map<string, string> =>
    new Map([...(s.waiter === 'done' ? [] : [['waiter', s.waiter] as const]), ...(s.waker === 'done' ? [] : [['waker', s.waker] as const])]);
  const r = porEstimate(buggy, { untilViolation: true, positions });
  const checked = check(buggy, { strategy: 'bfs' });
  t.is(checked.verdict, 'violation');
  for (const v of [r.full.violation, r.ideal.violation, r.static!.violation]) {
    t.is(v?.property, 'no-lost-wakeup');
    t.is(v?.depth, checked.violation!.depth);
  }
  t.is(r.full.violation!.states <= r.full.states, true);
  t.is(r.terminalsLost, null, 'a search stopped at a violation has no terminal states to compare');
  const clean = porEstimate(lostWakeupWithActors(true), { untilViolation: true });
  t.is(clean.full.violation, null);
  t.is(clean.ideal.violation, null);
  t.is(clean.terminalsLost, 0);
});

/** Actors 0 and 1 each write a shared x once (different values); actor 2 sets its own flag once. */
function twoWritersAndAFlag(): Model<{ x: number; done: readonly number[] }, number> {
  return {
    init: () => ({ x: 0, done: [0, 0, 0] }),
    actions: s => [0, 1, 2].filter(i => s.done[i] === 0),
    step: (s, i) => ({ x: i === 2 ? s.x : i + 1, done: s.done.map((d, j) => (j === i ? 1 : d)) }),
    encode: s => `${s.x}/${s.done.join('')}`,
    label: (_s, i) => `a${i}`,
    actor: (_s, i) => i,
    properties: [],
  };
}

test('both estimates take the smallest set, not the first one built: the flag first, then both orders of the writers', t => {
  // From the first state, a set around actor 0 must hold actor 1 ({0, 1}); {2} alone is persistent and smaller.
  // Flag first: the initial state, the flag set, each writer after it, each writer after the other: 6 states
  // (starting from {0, 1} instead gives 7: both writers' states, both orders, then the flag after each).
  const r = porEstimate(twoWritersAndAFlag(), { positions: s => new Map(s.done.flatMap((d, i) => (d === 0 ? [[String(i), `a${i}`] as const] : []))) });
  // Full: the first state, 3 after one step, 4 after two (the writers in either order, or one writer and the flag), 2 at the end (x from the last writer).
  t.is(r.full.states, 10);
  t.is(r.ideal.states, 6);
  t.is(r.static!.states, 6);
  t.is(r.terminalsLost, 0);
});

/**
 * Actor 'b' sets y from 0 to 1; actor 'a' takes x from 0 to 1 to 2. They commute everywhere. The one
 * state with x = 1 and y = 0 violates an always property and meets a sometimes goal: a transient target,
 * which either actor's next step leaves ('b' is listed first, so the plain ideal search starts with it).
 */
function transientTarget(): Model<{ x: number; y: number }, 'a' | 'b'> {
  const target = (s: { x: number; y: number }): boolean => s.x === 1 && s.y === 0;
  return {
    init: () => ({ x: 0, y: 0 }),
    actions: s => [...(s.y === 0 ? ['b' as const] : []), ...(s.x < 2 ? ['a' as const] : [])],
    step: (s, a) => (a === 'a' ? { ...s, x: s.x + 1 } : { ...s, y: 1 }),
    encode: s => `${s.x}${s.y}`,
    label: (_s, a) => a,
    actor: (_s, a) => a,
    properties: [
      { kind: 'always', name: 'not-x1-y0', description: 'never x = 1 with y = 0', cites: 'toy', violation: s => (target(s) ? 'x = 1, y = 0' : null) },
      { kind: 'sometimes', name: 'x1-y0', description: 'some run has x = 1 with y = 0', cites: 'toy', applies: () => true, reached: target },
    ],
  };
}

test('fixing: an ample action that leaves a violation loses it; the preserving searches keep such actions out of ample sets', t => {
  const positions = (s: { x: number; y: number }): Map<string, string> => new Map([...(s.y === 0 ? [['b', 'b0'] as const] : []), ...(s.x < 2 ? [['a', `a${s.x}`] as const] : [])]);
  const r = porEstimate(transientTarget(), { fixing: true, positions, verify: true });
  // Full: x in 0..2 times y in 0..1; transitions: 2 from 00 and 10, 1 from 20, 01 and 11.
  t.is(r.full.states, 6);
  t.is(r.full.transitions, 7);
  t.deepEqual(r.full.found, { violated: ['not-x1-y0'], met: ['x1-y0'] });
  // Plain ideal: {b} is persistent at 00 (it commutes with both of a's steps): 00 01 11 21, never 10.
  t.is(r.ideal.states, 4);
  t.deepEqual(r.ideal.found, { violated: [], met: [] }, 'the reduction without the condition loses the violation and the goal');
  // Both steps out of 10 leave the target: 2 fixing transitions, for each property.
  t.deepEqual(r.fixing, { transitions: 7, fixing: 2, byProperty: [{ name: 'not-x1-y0', fixing: 2, labels: ['a', 'b'] }, { name: 'x1-y0', fixing: 2, labels: ['a', 'b'] }] });
  // Preserving: at 00, {b} would fix the target at 10 (reachable by a alone): {a} instead. At 10 itself
  // fixing does not matter (the target is reached): {b}, whose only other state, 20, is no target.
  // 00 10 11 21: 4 states, the target kept.
  t.is(r.idealPreserving!.states, 4);
  t.deepEqual(r.idealPreserving!.found, { violated: ['not-x1-y0'], met: ['x1-y0'] });
  // The static estimate refuses fixer positions everywhere: at 10 both actors are at one (b0, a1): all, 5 states.
  t.is(r.staticPreserving!.states, 5);
  t.deepEqual(r.staticPreserving!.found, r.idealPreserving!.found);
  t.is(r.staticNotPersistent, 0);
  t.is(r.staticPreservingNotPersistent, 0);
  t.is(porEstimate(transientTarget()).fixing, null);
  t.is(porEstimate(transientTarget()).ideal.found, null);
});

test('fixing: a step that only breaks a property (or changes what it reads) is not a fixing one, and costs the reduction nothing', t => {
  // Counter 0 only grows: once it reaches 2 the property stays violated, whatever happens next.
  const watchOne: Model<readonly number[], number> = {
    ...countersWithActors(2, 2),
    properties: [{ kind: 'always', name: 'first-below-2', description: 'counter 0 stays below 2', cites: 'toy', violation: s => (s[0]! >= 2 ? 'over' : null) }],
  };
  const r = porEstimate(watchOne, { fixing: true });
  t.is(r.fixing!.fixing, 0);
  t.is(r.fixing!.transitions, 12);
  // One interleaving of the 3 x 3 grid, as without properties: 2 * 2 + 1 states, and it reaches the violation.
  t.is(r.idealPreserving!.states, 5);
  t.deepEqual(r.idealPreserving!.found, { violated: ['first-below-2'], met: [] });
  // A goal that does not apply is not watched.
  const notApplying: Model<readonly number[], number> = {
    ...countersWithActors(2, 2),
    properties: [{ kind: 'sometimes', name: 'never', description: 'not for this scenario', cites: 'toy', applies: () => false, reached: () => true }],
  };
  t.deepEqual(porEstimate(notApplying, { fixing: true }).fixing!.byProperty, []);
});

/** Two actors each add 1 to a shared x twice: the additions commute, but each reads and writes x. */
function sharedCounter(): Model<{ x: number; pc: readonly number[] }, number> {
  return {
    init: () => ({ x: 0, pc: [0, 0] }),
    actions: s => [0, 1].filter(i => s.pc[i]! < 2),
    step: (s, i) => ({ x: s.x + 1, pc: s.pc.map((p, j) => (j === i ? p + 1 : p)) }),
    encode: s => `${s.x}/${s.pc.join(',')}`,
    label: (_s, i) => `a${i}`,
    actor: (_s, i) => i,
    properties: [],
  };
}

/** Footprints of the toys: the cells a step reads and writes (the same here), conflicting when they share one. */
const cells = {
  conflict: (x: readonly string[], y: readonly string[]): boolean => x.some(c => y.includes(c)),
  union: (x: readonly string[], y: readonly string[]): readonly string[] => [...new Set([...x, ...y])].sort(),
};

test('static footprints: positions whose footprints conflict are dependent even where their steps commute; disjoint footprints collapse like the ideal', t => {
  const positions = (s: { pc: readonly number[] }): Map<string, string> => new Map(s.pc.flatMap((p, i) => (p < 2 ? [[String(i), `a${i}@${p}`] as const] : [])));
  const r = porEstimate(sharedCounter(), { positions, verify: true, footprints: { of: () => ['x'], ...cells } });
  // Full: pc0 and pc1 each 0..2 (x = their sum): 9 states. The additions commute, so the ideal and the observed
  // static sets walk one actor then the other (2 * 2 + 1 = 5); by footprint every step conflicts with every other: 9.
  t.is(r.full.states, 9);
  t.is(r.ideal.states, 5);
  t.is(r.static!.states, 5);
  t.is(r.staticFootprints!.states, 9);
  t.is(r.staticFootprintsTerminalsLost, 0);
  t.is(r.footprintNotPersistent, 0);
  // Separate counters, each step touching its own cell: one interleaving, as ideal.
  const counters = porEstimate(countersWithActors(2, 2), {
    positions: s => new Map(s.flatMap((c, i) => (c < 2 ? [[String(i), `c${i}@${c}`] as const] : []))),
    verify: true,
    footprints: { of: (_s, i) => [`c${i}`], ...cells },
  });
  t.is(counters.staticFootprints!.states, 5);
  t.is(counters.footprintNotPersistent, 0);
  t.is(porEstimate(sharedCounter()).staticFootprints, null);
  t.throws(() => porEstimate(sharedCounter(), { footprints: { of: () => ['x'], ...cells } }), { instanceOf: RangeError });
});

test('fixing: each property is kept on its own (four targets, fixed by different actions), and the proviso still applies', t => {
  // The transientTarget moves (b sets y, a takes x to 2), with an always property violated at 10 and goals at 01,
  // at x >= 1 with y = 0, and at 00 (met at the start).
  const base = transientTarget();
  const four: Model<{ x: number; y: number }, 'a' | 'b'> = {
    ...base,
    properties: [
      { kind: 'always', name: 'A', description: 'not 10', cites: 'toy', violation: s => (s.x === 1 && s.y === 0 ? '10' : null) },
      { kind: 'sometimes', name: 'G', description: '01', cites: 'toy', applies: () => true, reached: s => s.x === 0 && s.y === 1 },
      { kind: 'sometimes', name: 'H', description: 'x >= 1, y = 0', cites: 'toy', applies: () => true, reached: s => s.x >= 1 && s.y === 0 },
      { kind: 'sometimes', name: 'I', description: '00', cites: 'toy', applies: () => true, reached: s => s.x === 0 && s.y === 0 },
    ],
  };
  const r = porEstimate(four, { fixing: true });
  // A: both moves out of 10. G: a out of 01. H: b out of 10 and out of 20 (a from 10 to 20 stays in H). I: both out of 00.
  t.deepEqual(r.fixing!.byProperty, [
    { name: 'A', fixing: 2, labels: ['a', 'b'] }, { name: 'G', fixing: 1, labels: ['a'] },
    { name: 'H', fixing: 2, labels: ['b'] }, { name: 'I', fixing: 2, labels: ['a', 'b'] },
  ]);
  t.deepEqual(r.full.found, { violated: ['A'], met: ['G', 'H', 'I'] });
  // Plain ideal: {b} at 00, then a to the end: 00 01 11 21; A and H are lost.
  t.deepEqual(r.ideal.found, { violated: [], met: ['G', 'I'] });
  // Preserving: at 00 {b} would fix A and H at 10, {a} would fix G at 01: all. At 10, {b} would fix H at 20: {a}.
  // All 6 states, every property kept.
  t.is(r.idealPreserving!.states, 6);
  t.deepEqual(r.idealPreserving!.found, r.full.found);

  // Actor c toggles z forever (listed first); a sets x once; the goal is x = 1. {c} fixes nothing and is
  // persistent everywhere: only the cycle proviso makes the search take a.
  const cycle: Model<{ x: number; z: number }, 'a' | 'c'> = {
    init: () => ({ x: 0, z: 0 }),
    actions: s => ['c' as const, ...(s.x === 0 ? ['a' as const] : [])],
    step: (s, a) => (a === 'a' ? { ...s, x: 1 } : { ...s, z: 1 - s.z }),
    encode: s => `${s.x}${s.z}`,
    label: (_s, a) => a,
    actor: (_s, a) => a,
    properties: [{ kind: 'sometimes', name: 'X', description: 'x = 1', cites: 'toy', applies: () => true, reached: s => s.x === 1 }],
  };
  const c = porEstimate(cycle, { fixing: true });
  t.is(c.full.states, 4);
  t.is(c.idealPreserving!.states, 4);
  t.deepEqual(c.idealPreserving!.found, { violated: [], met: ['X'] });
});

test('fixing with untilViolation: a reduced search that stopped at the first violation reports no found', t => {
  const r = porEstimate(transientTarget(), { fixing: true, untilViolation: true });
  t.deepEqual(r.full.found, { violated: ['not-x1-y0'], met: ['x1-y0'] }, 'the full search goes on to the end');
  t.not(r.idealPreserving!.violation, null);
  t.is(r.idealPreserving!.found, null);
});

test('static estimate: an actor that never steps (it waits forever) has a future of its own position only', t => {
  // Actor w waits for a flag nobody sets; actor a counts to 2.
  const waits: Model<{ n: number }, 'a'> = {
    init: () => ({ n: 0 }),
    actions: s => (s.n < 2 ? ['a' as const] : []),
    step: s => ({ n: s.n + 1 }),
    encode: s => String(s.n),
    label: () => 'a',
    actor: () => 'a',
    properties: [],
  };
  const r = porEstimate(waits, { positions: s => new Map([['w', 'w0'], ...(s.n < 2 ? [['a', `a${s.n}`] as const] : [])]) });
  t.is(r.static!.states, 3);
});
