/**
 * The contract between the explorer and whatever it explores.
 *
 * The checker knows nothing of userfaultfd: it sees states of type S and
 * actions of type A, asks the model which actions are enabled, applies them,
 * and evaluates named properties. Everything here must be deterministic:
 * `actions()` returns the same list in the same order for equal states, and
 * `encode()` returns the same text for equal states (it is what gets hashed).
 */

/** A property that must hold in every reachable state. */
export interface AlwaysProperty<S> {
  readonly kind: 'always';
  readonly name: string;
  readonly description: string;
  /** Where the guarantee comes from (kernel function and file, or "toy"). */
  readonly cites: string;
  /** null when `s` satisfies the property; otherwise why it does not. */
  violation(s: S): string | null;
}

/**
 * A property checked only in terminal states: states where no action is
 * enabled (every thread finished or blocked). Deadlocks and lost wakeups
 * are terminal-state properties.
 */
export interface TerminalProperty<S> {
  readonly kind: 'terminal';
  readonly name: string;
  readonly description: string;
  readonly cites: string;
  violation(s: S): string | null;
}

/**
 * A goal that some reachable state must meet, so that a scenario cannot
 * pass vacuously. `applies` is evaluated on the initial state: a goal that
 * does not apply to a scenario is not required.
 */
export interface SometimesProperty<S> {
  readonly kind: 'sometimes';
  readonly name: string;
  readonly description: string;
  readonly cites: string;
  applies(init: S): boolean;
  reached(s: S): boolean;
}

export type Property<S> = AlwaysProperty<S> | TerminalProperty<S> | SometimesProperty<S>;

export interface Model<S, A> {
  init(): S;
  /** Enabled actions of `s`, in a stable order (the index is the replay key). */
  actions(s: S): readonly A[];
  /** Pure: returns the successor; never mutates `s`. */
  step(s: S, a: A): S;
  /** Canonical text of `s`: equal states give equal text. The checker hashes it. */
  encode(s: S): string;
  /** Stable, human-readable name of action `a` in state `s` (checked on replay). */
  label(s: S, a: A): string;
  readonly properties: readonly Property<S>[];
  /**
   * Optional symmetry reduction: the canonical text of `s`'s orbit under the
   * model's symmetries (e.g. permutations of interchangeable threads). States
   * with equal text must be images of each other under a symmetry that maps
   * successors onto successors and preserves every property. With
   * CheckOptions.symmetry the checker keys its visited set on this text
   * instead of encode(), and explores one state per orbit; the states it keeps
   * and the counterexamples it prints are still concrete ones.
   */
  symmetricEncode?(s: S): string;
  /**
   * Optional: which thread (or other actor) takes action `a` in `s`. Needed by
   * the schedule-aware searches (checker/preemption.ts, PCT in checker/walk.ts):
   * a switch from one actor to another is a context switch.
   */
  actor?(s: S, a: A): string | number;
}
