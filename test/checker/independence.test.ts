/**
 * porBound (checker/independence.ts): the best a partial-order reduction
 * could do, found by brute force. On toys whose answer is known by hand:
 * independent counters collapse to one interleaving, a shared variable
 * collapses nothing, the cycle proviso keeps an action that a loop would
 * otherwise postpone forever, and the lost-wakeup deadlock survives.
 */
import test from 'ava';
import { porBound, type Model } from '../../checker/index.js';
import { countersWithActors, lostWakeupWithActors } from '../fixtures/actors.js';

test('independent counters: the full grid, and a single interleaving of it under ideal persistent sets', t => {
  for (const [k, max] of [[2, 3], [3, 2], [3, 3]] as const) {
    const r = porBound(countersWithActors(k, max));
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
  const r = porBound(sharedModel());
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
  const r = porBound(loopModel());
  // {actor 0} is persistent everywhere; without the proviso the reduced search would only ever toggle
  // the bit (2 states) and never see done = 1. The toggle back to an already-seen state forces a full expansion.
  t.is(r.full.states, 4);
  t.is(r.ideal.states, 4);
  t.is(r.full.terminals.length, 0);
});

test('the lost-wakeup toy: its deadlock is a terminal state of the reduced search too', t => {
  const buggy = porBound(lostWakeupWithActors(false));
  const stuck = buggy.full.terminals.filter(k => !k.startsWith('done/'));
  t.true(stuck.length > 0, 'the buggy waiter can sleep forever');
  for (const k of stuck) t.true(buggy.ideal.terminals.includes(k), k);
  t.is(buggy.terminalsLost, 0);
  t.true(buggy.ideal.states <= buggy.full.states);
  const fixed = porBound(lostWakeupWithActors(true));
  t.true(fixed.full.terminals.every(k => k.startsWith('done/')));
  t.deepEqual(fixed.ideal.terminals, fixed.full.terminals);
});

test('maxStates cuts both searches and says so', t => {
  const r = porBound(countersWithActors(3, 4), { maxStates: 20 });
  t.true(r.cut);
  t.true(r.full.states < 125);
});
