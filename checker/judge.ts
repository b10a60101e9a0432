/**
 * What the searches outside explore.ts share (checker/parallel.ts,
 * checker/walk.ts, checker/preemption.ts): judging a state and tracking the
 * `sometimes` goals, the text the visited set is keyed on, replaying choices
 * for their labels, and assembling a CheckResult.
 */
import type { Bound, CheckResult, Goal, Strategy, Violation } from './explore.js';
import type { Model, SometimesProperty } from './model.js';
import { splitProperties, stateViolation, type PropertySets, type StateViolation } from './properties.js';

export class Judge<S> {
  private readonly sets: PropertySets<S>;
  readonly goals: SometimesProperty<S>[];
  /** Per goal (in `goals` order): reached yet. */
  readonly reached: boolean[];
  private unreached: number;

  constructor(model: Model<S, unknown>, init: S) {
    this.sets = splitProperties(model.properties);
    this.goals = this.sets.sometimes.filter(g => g.applies(init));
    this.reached = this.goals.map(() => false);
    this.unreached = this.goals.length;
  }

  /** Marks the goals `s` reaches; returns the first failing property of `s` (`enabled` actions enabled). */
  judge(s: S, enabled: number): StateViolation | null {
    if (this.unreached > 0) {
      for (let g = 0; g < this.goals.length; g++) {
        if (!this.reached[g] && this.goals[g]!.reached(s)) this.mark(g);
      }
    }
    return stateViolation(this.sets, s, enabled === 0);
  }

  mark(g: number): void {
    if (this.reached[g] === true) return;
    this.reached[g] = true;
    this.unreached--;
  }

  /** How many goals are reached so far. */
  get reachedCount(): number {
    return this.goals.length - this.unreached;
  }

  /** Indices of the goals reached so far. */
  reachedIndices(): number[] {
    return this.reached.flatMap((r, g) => (r ? [g] : []));
  }
}

/** The text a search keys its visited set on: encode, or symmetricEncode when asked for and offered. */
export function stateKey<S, A>(model: Model<S, A>, symmetry: boolean | undefined): (s: S) => string {
  const sym = symmetry === true ? model.symmetricEncode : undefined;
  return sym !== undefined ? s => sym.call(model, s) : s => model.encode(s);
}

/** The labels of `choices` (action indices from the initial state), by replaying them. */
export function labelsOf<S, A>(model: Model<S, A>, choices: readonly number[]): string[] {
  const labels: string[] = [];
  let s = model.init();
  for (const c of choices) {
    const a = model.actions(s)[c];
    if (a === undefined) throw new Error(`replay diverged: action ${c} is not enabled`);
    labels.push(model.label(s, a));
    s = model.step(s, a);
  }
  return labels;
}

/** A counterexample from a state violation and its choices. */
export function violationAt<S, A>(model: Model<S, A>, v: StateViolation, choices: number[]): Violation {
  return { ...v, choices, labels: labelsOf(model, choices), depth: choices.length };
}

export interface ResultParts {
  strategy: Strategy | 'pct';
  bound: Bound | null;
  states: number;
  transitions: number;
  maxDepth: number;
  violation: Violation | null;
  goals: SometimesProperty<unknown>[];
  reached: readonly boolean[];
  /** Bytes of the visited set(s). */
  visitedBytes: number;
  /** Bytes kept to rebuild a counterexample (parents, actions); 0 where none are kept. */
  traceBytes: number;
}

/** A CheckResult; a complete search without a violation that missed a goal reports it (a vacuous scenario), as explore.ts does. */
export function makeResult(p: ResultParts): CheckResult {
  const goals: Goal[] = p.goals.map((g, i) => ({ name: g.name, reached: p.reached[i] === true }));
  let violation = p.violation;
  if (violation === null && p.bound === null) {
    const missed = goals.find(g => !g.reached);
    if (missed !== undefined) {
      violation = {
        property: missed.name, kind: 'sometimes', message: `never reached in ${p.states} states: the scenario is vacuous for this goal`,
        choices: [], labels: [], depth: 0,
      };
    }
  }
  return {
    verdict: violation === null ? 'ok' : 'violation', complete: p.bound === null, bound: p.bound,
    states: p.states, transitions: p.transitions, maxDepth: p.maxDepth, strategy: p.strategy, violation, goals,
    storedBytes: p.visitedBytes + p.traceBytes, visitedBytes: p.visitedBytes, traceBytes: p.traceBytes,
  };
}
