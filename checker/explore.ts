/**
 * Explicit-state exploration of a Model: breadth-first (shortest
 * counterexamples) or depth-first (memory in proportion to depth), with
 * optional depth and state-count bounds. check() and checkAsync()
 * (checker/check.ts) run these, and random walks (checker/walk.ts); the
 * options and result types of all searches are here.
 *
 * Per discovered state only integers are kept: its 64-bit fingerprint in the
 * visited set (checker/table.ts); for BFS its parent's id and the index of
 * the action that reached it, in trace columns (a state's id is its discovery
 * index); for a depth-bounded DFS its smallest depth, next to its fingerprint.
 * State objects live only in the BFS frontier or the DFS stack. Each state is judged once, when discovered:
 * `always` properties, `terminal` properties if it has no enabled action,
 * and the applicable `sometimes` goals not yet reached.
 *
 * The result depends only on the model and the options: no clock, no
 * randomness, no Set/Map iteration.
 */

import { CheckerBug } from './errors.js';
import type { Model, SometimesProperty } from './model.js';
import { splitProperties, stateViolation, type PropertySets, type StateViolation } from './properties.js';
import { FingerprintSet, FULL, NEW, UintColumn } from './table.js';

export type Strategy = 'bfs' | 'dfs' | 'random';
/**
 * Why a search is not complete: a depth or state bound cut it, it was a
 * random search (walks sample the state space), or it was interrupted
 * (CheckOptions.shouldStop).
 */
export type Bound = 'max-depth' | 'max-states' | 'random' | 'interrupted' | 'pct' | 'max-preemptions';

/** Search progress, reported every PROGRESS_INTERVAL distinct states. */
export interface Progress {
  states: number;
  transitions: number;
  /** BFS: depth of the level being discovered; DFS: depth of the new state. */
  depth: number;
  /** BFS: states waiting to be expanded; DFS: stack height. */
  frontier: number;
}

export interface CheckOptions {
  strategy: Strategy;
  /** States at this depth are judged but not expanded. A non-negative integer. */
  maxDepth?: number | undefined;
  /** Stop when a state beyond this many distinct states is found. A positive integer. */
  maxStates?: number | undefined;
  /** Key the visited set on model.symmetricEncode (when the model has one): one state per orbit. */
  symmetry?: boolean | undefined;
  /** Called every PROGRESS_INTERVAL states (random: every 64 walks); it cannot affect the result. */
  onProgress?: ((p: Progress) => void) | undefined;
  /**
   * Polled every SLICE transitions: true stops the search, which returns what
   * it has so far as BOUNDED('interrupted'). checkAsync() also lets the event
   * loop run at those points (so a SIGINT handler can set what this reads).
   */
  shouldStop?: (() => boolean) | undefined;
  /** random: the seed of the walks (same seed, same walks). A non-negative integer. */
  seed?: number | undefined;
  /** random: how many walks from the initial state (default 1000). Each ends in a state with no enabled action, or at maxDepth (default 10,000). */
  walks?: number | undefined;
}

export interface Violation {
  property: string;
  kind: 'always' | 'terminal' | 'sometimes';
  /** The property's violation() text, or "never reached in N states ..." for a goal. */
  message: string;
  /** Action indices from the initial state; [] for an unreached goal. */
  choices: number[];
  /** model.label() of each step of `choices`. */
  labels: string[];
  /** choices.length */
  depth: number;
}

export interface Goal {
  name: string;
  reached: boolean;
}

export interface CheckResult {
  verdict: 'ok' | 'violation';
  /**
   * No bound cut the search. With verdict 'ok' this means the whole reachable
   * state space was explored. A violation is a real counterexample whatever
   * `complete` says: there it only tells whether a bound had already cut some
   * of the search before the violation was met.
   */
  complete: boolean;
  /** Which bound applied when not complete ('interrupted', then 'max-states', then 'max-depth' win if several did; random walks: 'interrupted', then 'max-states', then 'random'). */
  bound: Bound | null;
  /** Distinct states discovered. */
  states: number;
  /** step() calls, including those leading to already-seen states. */
  transitions: number;
  /** Deepest depth at which a state was discovered. */
  maxDepth: number;
  strategy: Strategy | 'pct';
  violation: Violation | null;
  /** Applicable `sometimes` goals, in property order. */
  goals: Goal[];
  /**
   * Bytes allocated for per-state storage when the search ended:
   * visitedBytes + traceBytes. Capacities grow by half, so this is between
   * one and 1.5 times what the states need.
   */
  storedBytes: number;
  /** The visited set: 64-bit fingerprints in an open-addressing table (with each state's smallest depth in a depth-bounded DFS). */
  visitedBytes: number;
  /** BFS only: each state's parent id (4 bytes) and action index (1 byte while under 256), to rebuild a counterexample. */
  traceBytes: number;
}

export const PROGRESS_INTERVAL = 10_000;
/** Transitions between two polls of shouldStop (and, in checkAsync, two turns of the event loop). */
export const SLICE = 1024;

/** Runs a search generator to its result. */
export function runSync(run: Generator<void, CheckResult>): CheckResult {
  for (;;) {
    const r = run.next();
    if (r.done === true) return r.value;
  }
}

/** Runs a search generator to its result, letting the event loop run (timers, signal handlers) at each of its pauses. */
export async function runAsync(run: Generator<void, CheckResult>): Promise<CheckResult> {
  for (;;) {
    const r = run.next();
    if (r.done === true) return r.value;
    await new Promise<void>(resolve => setImmediate(resolve));
  }
}

/** The BFS or DFS as a generator that pauses every SLICE transitions. */
export function exhaustiveSearch<S, A>(model: Model<S, A>, options: CheckOptions): Generator<void, CheckResult> {
  const { strategy, maxDepth, maxStates } = options;
  if (strategy !== 'bfs' && strategy !== 'dfs') {
    throw new RangeError(`unknown strategy ${JSON.stringify(strategy)}`);
  }
  if (maxDepth !== undefined && !(Number.isInteger(maxDepth) && maxDepth >= 0)) {
    throw new RangeError(`maxDepth must be a non-negative integer, got ${maxDepth}`);
  }
  if (maxStates !== undefined && !(Number.isInteger(maxStates) && maxStates >= 1)) {
    throw new RangeError(`maxStates must be a positive integer, got ${maxStates}`);
  }
  const s = new Search(model, options);
  return strategy === 'bfs' ? s.bfs() : s.dfs();
}

/** The state of one check() call. */
class Search<S, A> {
  private readonly sets: PropertySets<S>;
  private readonly init: S;
  private readonly goals: SometimesProperty<S>[];
  private readonly reached: boolean[];
  private unreached: number;
  private readonly table: FingerprintSet;
  private readonly maxDepth: number;
  private readonly onProgress: ((p: Progress) => void) | undefined;
  /** The text the visited set is keyed on: encode, or symmetricEncode under symmetry. */
  private readonly key: (s: S) => string;
  private transitions = 0;
  private deepest = 0;
  /** States at maxDepth that have enabled actions and were not expanded. */
  private cut = 0;
  private hitMaxStates = false;
  private interrupted = false;
  /** Transitions since the last pause. */
  private sinceSlice = 0;
  /** Integer columns kept per state besides the visited set (BFS: parent and action). */
  private readonly columns: UintColumn[] = [];

  constructor(
    private readonly model: Model<S, A>,
    private readonly options: CheckOptions,
  ) {
    this.sets = splitProperties(model.properties);
    this.init = model.init();
    this.goals = this.sets.sometimes.filter((g) => g.applies(this.init));
    this.reached = this.goals.map(() => false);
    this.unreached = this.goals.length;
    this.maxDepth = options.maxDepth ?? Infinity;
    // A depth-bounded DFS keeps each state's smallest depth beside its fingerprint.
    this.table = new FingerprintSet(options.maxStates ?? Infinity, options.strategy === 'dfs' && this.maxDepth !== Infinity);
    this.onProgress = options.onProgress;
    const sym = options.symmetry === true ? model.symmetricEncode : undefined;
    this.key = sym !== undefined ? s => sym.call(model, s) : s => model.encode(s);
  }

  /** Judges a newly discovered state with `enabled` enabled actions. */
  private judge(s: S, enabled: number): StateViolation | null {
    if (this.unreached > 0) {
      for (let g = 0; g < this.goals.length; g++) {
        if (!this.reached[g] && this.goals[g]!.reached(s)) {
          this.reached[g] = true;
          this.unreached--;
        }
      }
    }
    return stateViolation(this.sets, s, enabled === 0);
  }

  private progress(depth: number, frontier: number): void {
    if (this.onProgress !== undefined && this.table.size % PROGRESS_INTERVAL === 0) {
      this.onProgress({ states: this.table.size, transitions: this.transitions, depth, frontier });
    }
  }

  /** Counts a transition; true every SLICE transitions (time to pause). */
  private tick(): boolean {
    if (++this.sinceSlice < SLICE) return false;
    this.sinceSlice = 0;
    return true;
  }

  /** After a pause: whether to stop (and remember that the search was interrupted). */
  private stopNow(): boolean {
    if (this.options.shouldStop?.() === true) this.interrupted = true;
    return this.interrupted;
  }

  private result(violation: Violation | null): CheckResult {
    const bound: Bound | null = this.interrupted ? 'interrupted' : this.hitMaxStates ? 'max-states' : this.cut > 0 ? 'max-depth' : null;
    const goals = this.goals.map((g, i) => ({ name: g.name, reached: this.reached[i]! }));
    if (violation === null && bound === null) {
      const missed = goals.find((g) => !g.reached);
      if (missed !== undefined) {
        violation = {
          property: missed.name,
          kind: 'sometimes',
          message: `never reached in ${this.table.size} states: the scenario is vacuous for this goal`,
          choices: [],
          labels: [],
          depth: 0,
        };
      }
    }
    return {
      verdict: violation === null ? 'ok' : 'violation',
      complete: bound === null,
      bound,
      states: this.table.size,
      transitions: this.transitions,
      maxDepth: this.deepest,
      strategy: this.options.strategy,
      violation,
      goals,
      storedBytes: this.table.bytes + this.traceBytes(),
      visitedBytes: this.table.bytes,
      traceBytes: this.traceBytes(),
    };
  }

  private traceBytes(): number {
    return this.columns.reduce((n, c) => n + c.bytes, 0);
  }

  *bfs(): Generator<void, CheckResult> {
    const { model, table, maxDepth, init, key } = this;
    // State id = discovery index: init is 0, its parent and action are placeholders.
    const parent = new UintColumn();
    const via = new UintColumn();
    this.columns.push(parent, via);
    table.add(key(init));
    parent.push(0);
    via.push(0);
    const initActions = model.actions(init);
    const v0 = this.judge(init, initActions.length);
    if (v0 !== null) return this.result(this.bfsViolation(v0, 0, parent, via));

    // The frontier, one level at a time, as parallel arrays.
    let states: S[] = [];
    let actions: (readonly A[])[] = [];
    let ids: number[] = [];
    if (initActions.length > 0) {
      if (maxDepth > 0) {
        states.push(init);
        actions.push(initActions);
        ids.push(0);
      } else {
        this.cut++;
      }
    }
    for (let depth = 1; states.length > 0; depth++) {
      const nextStates: S[] = [];
      const nextActions: (readonly A[])[] = [];
      const nextIds: number[] = [];
      for (let i = 0; i < states.length; i++) {
        const s = states[i]!;
        const enabled = actions[i]!;
        const id = ids[i]!;
        for (let j = 0; j < enabled.length; j++) {
          if (this.tick()) {
            yield;
            if (this.stopNow()) return this.result(null);
          }
          const t = model.step(s, enabled[j]!);
          this.transitions++;
          const added = table.add(key(t));
          if (added === FULL) {
            this.hitMaxStates = true;
            return this.result(null);
          }
          if (added !== NEW) continue;
          const tid = table.size - 1;
          parent.push(id);
          via.push(j);
          this.deepest = depth;
          const tActions = model.actions(t);
          const v = this.judge(t, tActions.length);
          if (v !== null) return this.result(this.bfsViolation(v, tid, parent, via));
          if (tActions.length > 0) {
            if (depth < maxDepth) {
              nextStates.push(t);
              nextActions.push(tActions);
              nextIds.push(tid);
            } else {
              this.cut++;
            }
          }
          this.progress(depth, states.length - i - 1 + nextStates.length);
        }
      }
      states = nextStates;
      actions = nextActions;
      ids = nextIds;
    }
    return this.result(null);
  }

  /**
   * The counterexample ending in state `id`: its choices from the parent
   * links, its labels by replaying them from init. Every state of the replay
   * must be in the visited set, else the model is nondeterministic (the set
   * keeps fingerprints, not ids: a replay that wandered onto another visited
   * state would go unnoticed here, but not by traces/replay).
   */
  private bfsViolation(v: StateViolation, id: number, parent: UintColumn, via: UintColumn): Violation {
    const path: number[] = [];
    for (let k = id; k > 0; k = parent.get(k)) path.push(k);
    path.reverse();
    const choices = path.map((k) => via.get(k));
    const { model, table, key } = this;
    const labels: string[] = [];
    let s = model.init();
    for (let step = 0; step <= path.length; step++) {
      if (!table.has(key(s))) {
        throw new CheckerBug(`replay diverged at step ${step}: the model depends on uncontrolled state`);
      }
      if (step === path.length) break;
      const a = model.actions(s)[choices[step]!];
      if (a === undefined) {
        throw new CheckerBug(`replay diverged at step ${step}: action ${choices[step]} is no longer enabled`);
      }
      labels.push(model.label(s, a));
      s = model.step(s, a);
    }
    return { ...v, choices, labels, depth: choices.length };
  }

  *dfs(): Generator<void, CheckResult> {
    const { model, table, maxDepth, init, key } = this;
    const bounded = maxDepth !== Infinity;
    // Under a depth bound, the visited set keeps each state's smallest depth as its value (init: 0).
    table.add(key(init));
    const initActions = model.actions(init);
    const v0 = this.judge(init, initActions.length);
    if (v0 !== null) return this.result({ ...v0, choices: [], labels: [], depth: 0 });

    // The stack, as parallel arrays: state, its enabled actions, next action index.
    const states: S[] = [];
    const actions: (readonly A[])[] = [];
    const next: number[] = [];
    if (initActions.length > 0) {
      if (maxDepth > 0) {
        states.push(init);
        actions.push(initActions);
        next.push(0);
      } else {
        this.cut++;
      }
    }
    while (states.length > 0) {
      const top = states.length - 1;
      const enabled = actions[top]!;
      const j = next[top]!;
      if (j >= enabled.length) {
        states.pop();
        actions.pop();
        next.pop();
        continue;
      }
      if (this.tick()) {
        yield;
        if (this.stopNow()) break;
      }
      next[top] = j + 1;
      const t = model.step(states[top]!, enabled[j]!);
      this.transitions++;
      const depth = top + 1;
      const added = table.add(key(t));
      if (added === FULL) {
        this.hitMaxStates = true;
        break;
      }
      if (added === NEW) {
        if (bounded) table.setValue(depth);
        if (depth > this.deepest) this.deepest = depth;
        const tActions = model.actions(t);
        const v = this.judge(t, tActions.length);
        if (v !== null) return this.result(this.dfsViolation(v, states, actions, next));
        if (tActions.length > 0) {
          if (depth < maxDepth) {
            states.push(t);
            actions.push(tActions);
            next.push(0);
          } else {
            this.cut++;
          }
        }
        this.progress(depth, states.length);
      } else if (bounded && depth < table.value()) {
        // Seen before, but deeper: expand it again so the bound hides nothing.
        // Here depth < old depth <= maxDepth, so it is expanded.
        const old = table.value();
        table.setValue(depth);
        const tActions = model.actions(t);
        if (tActions.length > 0) {
          if (old === maxDepth) this.cut--; // it was cut off at its first visit
          states.push(t);
          actions.push(tActions);
          next.push(0);
        }
      }
    }
    return this.result(null);
  }

  /** The counterexample along the current stack (each frame's last-taken action). */
  private dfsViolation(v: StateViolation, states: S[], actions: (readonly A[])[], next: number[]): Violation {
    const choices = next.map((n) => n - 1);
    const labels = choices.map((c, k) => this.model.label(states[k]!, actions[k]![c]!));
    return { ...v, choices, labels, depth: choices.length };
  }
}
