import test from 'ava';
import { assertDeterministic, check, CheckerBug, hash64, replayChoices, type ReplayStep } from '../../checker/index.js';
import { graphModel } from '../fixtures/graph.js';
import { lostWakeupModel } from '../fixtures/lost-wakeup.js';
import { mutexModel } from '../fixtures/mutex.js';
import { nondeterministicModel } from '../fixtures/nondeterministic.js';

function steps(choices: readonly number[], labels: readonly string[]): ReplayStep[] {
  return choices.map((choice, i) => ({ choice, label: labels[i]! }));
}

test('replaying a BFS counterexample reproduces its states and violation', (t) => {
  const model = mutexModel(false);
  const { violation } = check(model, { strategy: 'bfs' });
  if (violation === null) return t.fail('expected a violation');
  const r = replayChoices(model, steps(violation.choices, violation.labels));
  t.is(r.divergence, null);
  t.deepEqual(r.labels, violation.labels);
  t.deepEqual(r.choices, violation.choices);
  t.deepEqual(
    r.states.map((s) => model.encode(s)),
    ['0,0,U', '1,0,U', '1,1,U', '2,1,L', '2,2,L'],
  );
  t.deepEqual(r.violation, {
    property: 'mutual-exclusion',
    kind: 'always',
    message: 'both threads in the critical section',
    state: 4,
  });
});

test('replay judges terminal properties only in the final, terminal state', (t) => {
  const model = lostWakeupModel(false);
  const lost = replayChoices(
    model,
    steps([0, 1, 1, 0], ['waiter check', 'waker set', 'waker wake', 'waiter sleep']),
  );
  t.deepEqual(lost.violation, {
    property: 'no-lost-wakeup',
    kind: 'terminal',
    message: 'waiter asleep forever',
    state: 4,
  });
  // A prefix ends in a state with enabled actions: no terminal judgement.
  const prefix = replayChoices(model, steps([0, 1, 1], ['waiter check', 'waker set', 'waker wake']));
  t.is(prefix.violation, null);
  t.is(prefix.states.length, 4);
});

test('replay follows labels when action indices have shifted', (t) => {
  const recorded = graphModel([
    ['A', 'B'],
    ['A', 'X'],
    ['X', 'Y'],
  ]);
  const shifted = graphModel([
    ['A', 'C'],
    ['A', 'X'],
    ['A', 'B'],
    ['X', 'Y'],
  ]);
  const r0 = replayChoices(recorded, steps([1, 0], ['A->X', 'X->Y']));
  t.deepEqual(r0.states, ['A', 'X', 'Y']);
  const r = replayChoices(shifted, steps([0, 0], ['A->B', 'X->Y']));
  // Index 0 is now A->C: the replay takes A->B at index 2 instead.
  t.deepEqual(r.choices, [2]);
  t.deepEqual(r.labels, ['A->B']);
  t.deepEqual(r.divergence, { step: 1, expected: 'X->Y', enabled: [] });
});

test('replay reports where it diverges and what was enabled', (t) => {
  const model = mutexModel(true);
  const r = replayChoices(model, steps([0, 1, 0], ['T0 acquire', 'T1 acquire', 'T0 release']));
  t.deepEqual(r.divergence, { step: 1, expected: 'T1 acquire', enabled: ['T0 release'] });
  t.deepEqual(r.labels, ['T0 acquire']);
  t.deepEqual(
    r.states.map((s) => model.encode(s)),
    ['0,0,U', '2,0,L'],
  );
  t.is(r.violation, null);
  const empty = replayChoices(model, []);
  t.deepEqual(empty.states.map((s) => model.encode(s)), ['0,0,U']);
  t.is(empty.divergence, null);
});

test('replay reports the first violation and goes on', (t) => {
  const model = graphModel(
    [
      ['A', 'X'],
      ['X', 'Y'],
      ['Y', 'E'],
    ],
    { bad: ['X', 'Y'], stuck: ['E'] },
  );
  const r = replayChoices(model, steps([0, 0, 0], ['A->X', 'X->Y', 'Y->E']));
  t.deepEqual(r.states, ['A', 'X', 'Y', 'E']);
  t.deepEqual(r.violation, { property: 'no-bad-node', kind: 'always', message: 'reached bad node X', state: 1 });
});

test('assertDeterministic accepts a deterministic model', (t) => {
  t.notThrows(() => assertDeterministic(mutexModel(false), [0, 1, 0, 1]));
  t.notThrows(() => assertDeterministic(lostWakeupModel(true), []));
});

test('assertDeterministic reports the first diverging step as a checker bug', (t) => {
  // Run 1 makes ticks 1, 2; run 2 makes 3, 4: the states differ from step 1.
  const error = t.throws(() => assertDeterministic(nondeterministicModel(), [0, 0]), { instanceOf: CheckerBug });
  t.is(error.message, '[checker bug] replay diverged at step 1: the model depends on uncontrolled state');
  t.true(error instanceof Error);
});

test('assertDeterministic rejects a choice that is not enabled', (t) => {
  t.throws(() => assertDeterministic(mutexModel(true), [0, 1]), { instanceOf: RangeError });
});

test('CheckerBug messages carry the prefix', (t) => {
  const bug = new CheckerBug('x');
  t.is(bug.message, '[checker bug] x');
  t.is(bug.name, 'CheckerBug');
  t.is(hash64('x'), hash64('x'));
});
