/**
 * Replaying a recorded schedule (a counterexample or a saved trace) on a
 * model, and checking that a model is deterministic along a schedule.
 */

import { CheckerBug } from './errors.js';
import { hash64 } from './hash.js';
import type { Model } from './model.js';
import { splitProperties, stateViolation, type StateViolation } from './properties.js';

/** One recorded step: the action index taken and the label it had. */
export interface ReplayStep {
  readonly choice: number;
  readonly label: string;
}

/** Where a replay could not follow the recorded schedule. */
export interface ReplayDivergence {
  /** 0-based index of the step that could not be taken. */
  step: number;
  /** Its recorded label. */
  expected: string;
  /** Labels of the actions enabled at that point, in order. */
  enabled: string[];
}

/** The first property violation met during a replay. */
export interface ReplayViolation extends StateViolation {
  /** Index into `states` of the violating state. */
  state: number;
}

export interface ReplayResult<S> {
  /** States visited, init first: one more than the steps taken. */
  states: S[];
  /** Labels of the steps taken. */
  labels: string[];
  /** Action indices actually taken (they differ from the recorded ones where indices shifted). */
  choices: number[];
  /** null when every step was taken. */
  divergence: ReplayDivergence | null;
  /** The first violation on the way, judged as check() judges. */
  violation: ReplayViolation | null;
}

/**
 * Replays `steps` from the initial state. Each step takes the recorded index
 * if its action has the recorded label, else the first enabled action with
 * that label; if there is none the replay stops with a divergence. Every
 * visited state is judged (`always` properties, and `terminal` ones when it
 * has no enabled action); the replay goes on after a violation, which is
 * reported once (the first).
 */
export function replayChoices<S, A>(model: Model<S, A>, steps: readonly ReplayStep[]): ReplayResult<S> {
  const sets = splitProperties(model.properties);
  let s = model.init();
  const result: ReplayResult<S> = { states: [s], labels: [], choices: [], divergence: null, violation: null };
  const judge = (enabled: number): void => {
    if (result.violation !== null) return;
    const v = stateViolation(sets, s, enabled === 0);
    if (v !== null) result.violation = { ...v, state: result.states.length - 1 };
  };
  let enabled = model.actions(s);
  judge(enabled.length);
  for (let i = 0; i < steps.length; i++) {
    const { choice, label } = steps[i]!;
    const recorded = enabled[choice];
    const index =
      recorded !== undefined && model.label(s, recorded) === label
        ? choice
        : enabled.findIndex((a) => model.label(s, a) === label);
    if (index < 0) {
      result.divergence = { step: i, expected: label, enabled: enabled.map((a) => model.label(s, a)) };
      break;
    }
    s = model.step(s, enabled[index]!);
    result.states.push(s);
    result.labels.push(label);
    result.choices.push(index);
    enabled = model.actions(s);
    judge(enabled.length);
  }
  return result;
}

/**
 * Replays `choices` twice from init and compares, step by step, the
 * fingerprint of each state and the label of each action taken. Throws a
 * RangeError if a choice is not enabled in the first run, and a CheckerBug
 * if the second run differs from the first.
 */
export function assertDeterministic<S, A>(model: Model<S, A>, choices: readonly number[]): void {
  const run = (): { hashes: string[]; labels: string[]; failedAt: number } => {
    let s = model.init();
    const hashes = [hash64(model.encode(s))];
    const labels: string[] = [];
    for (let i = 0; i < choices.length; i++) {
      const a = model.actions(s)[choices[i]!];
      if (a === undefined) return { hashes, labels, failedAt: i };
      labels.push(model.label(s, a));
      s = model.step(s, a);
      hashes.push(hash64(model.encode(s)));
    }
    return { hashes, labels, failedAt: -1 };
  };
  const first = run();
  if (first.failedAt >= 0) {
    const i = first.failedAt;
    throw new RangeError(`choice ${choices[i]} at step ${i} is not an enabled action`);
  }
  const second = run();
  for (let i = 0; i <= choices.length; i++) {
    const same =
      first.hashes[i] === second.hashes[i] &&
      (i === choices.length || (second.failedAt !== i && first.labels[i] === second.labels[i]));
    if (!same) {
      throw new CheckerBug(`replay diverged at step ${i}: the model depends on uncontrolled state`);
    }
  }
}
