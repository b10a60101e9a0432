/**
 * Property evaluation shared by the explorer and the replayer, so that both
 * judge a state the same way.
 */

import type { AlwaysProperty, Property, SometimesProperty, TerminalProperty } from './model.js';

/** A state property that fails in one state. */
export interface StateViolation {
  property: string;
  kind: 'always' | 'terminal';
  message: string;
}

/** A model's properties split by kind, each list in property order. */
export interface PropertySets<S> {
  always: AlwaysProperty<S>[];
  terminal: TerminalProperty<S>[];
  sometimes: SometimesProperty<S>[];
}

export function splitProperties<S>(properties: readonly Property<S>[]): PropertySets<S> {
  const sets: PropertySets<S> = { always: [], terminal: [], sometimes: [] };
  for (const p of properties) {
    switch (p.kind) {
      case 'always':
        sets.always.push(p);
        break;
      case 'terminal':
        sets.terminal.push(p);
        break;
      case 'sometimes':
        sets.sometimes.push(p);
        break;
    }
  }
  return sets;
}

/**
 * The first failing property of `s`: every `always` property in order, then,
 * if `s` is terminal (no enabled action), every `terminal` property.
 */
export function stateViolation<S>(sets: PropertySets<S>, s: S, terminal: boolean): StateViolation | null {
  for (const p of sets.always) {
    const message = p.violation(s);
    if (message !== null) return { property: p.name, kind: 'always', message };
  }
  if (terminal) {
    for (const p of sets.terminal) {
      const message = p.violation(s);
      if (message !== null) return { property: p.name, kind: 'terminal', message };
    }
  }
  return null;
}
