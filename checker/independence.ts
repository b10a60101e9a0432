/**
 * How much could partial-order reduction save on a model? A measurement for
 * planning (`npm run bench`), not a search mode: it costs far more than the
 * search it measures, and it ignores the properties.
 *
 * Partial-order reduction explores, in each state, only an "ample" subset of
 * the enabled actions: a persistent set, one whose actions are independent
 * of every action the others can take before any of the set does (Godefroid,
 * "Partial-Order Methods for the Verification of Concurrent Systems", 1996,
 * def. 4.1), plus a proviso against ignoring an action forever on a cycle. A
 * real implementation finds persistent sets from declared read/write
 * footprints, which over-approximate; this finds the smallest one exactly,
 * by brute force, so its state count is what the best footprints could
 * achieve at most:
 *
 *  - two actions commute in a state when each stays enabled after the other
 *    and both orders reach the same state (equal encode());
 *  - a set P of enabled actions is persistent in s when, in every state
 *    reachable from s by actions outside P (s included), every enabled
 *    action outside P commutes with every action of P, and the actions of P
 *    stay enabled. An action is named by its actor (model.actor(), e.g. a
 *    thread: the same thread's next step in a later state is "the same
 *    transition"), or by itself when the model has no actors;
 *  - the ample set of s is the smallest persistent set (the first found,
 *    trying subsets in order of size); a sub-search that exceeds `budget`
 *    commutation checks counts as "not persistent" (so the bound stays an
 *    achievable one);
 *  - BFS cycle proviso: s is expanded fully when an ample successor was
 *    already discovered at a depth not above s's (every cycle of the reduced
 *    graph has such an edge, so no action is ignored around a cycle).
 *
 * Persistent sets with that proviso reach every terminal (deadlock) state;
 * the result counts those in both searches so a test can see that none is
 * lost. What it leaves out: the properties. A real reduction must also
 * expand fully where an ample action changes what a property reads
 * (visibility), so its savings are at most these.
 */
import type { Model } from './model.js';

export interface SearchCount {
  states: number;
  transitions: number;
  /** Encodings of the states with no enabled action. */
  terminals: string[];
}

export interface PorBound {
  /** The ordinary BFS. */
  full: SearchCount;
  /** BFS over ample sets (the smallest persistent sets, with the cycle proviso). */
  ideal: SearchCount;
  /** States of `full` where two or more actions are enabled. */
  choiceStates: number;
  /** Pairs of actions enabled together in a state of `full`, and how many of those commute there. */
  pairs: number;
  commuting: number;
  /** Terminal states of `full` that `ideal` did not reach (0 unless something is wrong). */
  terminalsLost: number;
  /** Whether maxStates stopped either search (the counts are then of a prefix). */
  cut: boolean;
}

export interface PorBoundOptions {
  /** Stop each BFS after this many distinct states (default 100,000). */
  maxStates?: number;
  /** Commutation checks allowed per candidate set (default 20,000); beyond it the set counts as not persistent. */
  budget?: number;
}

export function porBound<S, A>(model: Model<S, A>, options: PorBoundOptions = {}): PorBound {
  const maxStates = options.maxStates ?? 100_000;
  const budget = options.budget ?? 20_000;
  const name = (s: S, a: A): unknown => (model.actor !== undefined ? model.actor(s, a) : a);

  /** Whether a and b commute in s (each enabled after the other, both orders the same state). */
  const commute = (s: S, a: A, b: A): boolean => {
    const sa = model.step(s, a);
    const sb = model.step(s, b);
    const bAfterA = model.actions(sa).find(x => name(sa, x) === name(s, b));
    const aAfterB = model.actions(sb).find(x => name(sb, x) === name(s, a));
    if (bAfterA === undefined || aAfterB === undefined) return false;
    return model.encode(model.step(sa, bAfterA)) === model.encode(model.step(sb, aAfterB));
  };

  /** Whether the actions `p` (enabled in s) form a persistent set of s; see the header. */
  const persistent = (s: S, p: readonly A[]): boolean => {
    const inP = new Set(p.map(a => name(s, a)));
    const seen = new Set([model.encode(s)]);
    let level = [s];
    let checks = 0;
    while (level.length > 0) {
      const next: S[] = [];
      for (const x of level) {
        const enabled = model.actions(x);
        const ours: A[] = [];
        for (const a of enabled) if (inP.has(name(x, a))) ours.push(a);
        if (ours.length !== p.length) return false; // an outside action disabled one of P's
        for (const v of enabled) {
          if (inP.has(name(x, v))) continue;
          for (const u of ours) {
            if (++checks > budget || !commute(x, u, v)) return false;
          }
          const y = model.step(x, v);
          const k = model.encode(y);
          if (!seen.has(k)) {
            seen.add(k);
            next.push(y);
          }
        }
      }
      level = next;
    }
    return true;
  };

  /** The smallest persistent subset of the enabled actions (all of them if none is smaller). */
  const ample = (s: S, enabled: readonly A[]): readonly A[] => {
    for (let size = 1; size < enabled.length; size++) {
      for (const p of subsets(enabled, size)) if (persistent(s, p)) return p;
    }
    return enabled;
  };

  let choiceStates = 0;
  let pairs = 0;
  let commuting = 0;
  const bfs = (reduced: boolean): { count: SearchCount; cut: boolean } => {
    const depth = new Map<string, number>();
    const init = model.init();
    depth.set(model.encode(init), 0);
    let level = [init];
    let transitions = 0;
    const terminals: string[] = [];
    for (let d = 0; level.length > 0 && depth.size < maxStates; d++) {
      const next: S[] = [];
      for (const s of level) {
        const enabled = model.actions(s);
        if (enabled.length === 0) terminals.push(model.encode(s));
        if (!reduced && enabled.length > 1) {
          choiceStates++;
          for (let i = 0; i < enabled.length; i++) {
            for (let j = i + 1; j < enabled.length; j++) {
              pairs++;
              if (commute(s, enabled[i]!, enabled[j]!)) commuting++;
            }
          }
        }
        const chosen = reduced ? ample(s, enabled) : enabled;
        let successors = chosen.map(a => model.step(s, a));
        // The cycle proviso: an ample successor already found at depth <= d closes a cycle; expand s fully.
        if (chosen.length < enabled.length && successors.some(y => (depth.get(model.encode(y)) ?? Infinity) <= d)) {
          successors = enabled.map(a => model.step(s, a));
        }
        for (const y of successors) {
          transitions++;
          const k = model.encode(y);
          if (!depth.has(k)) {
            depth.set(k, d + 1);
            next.push(y);
          }
        }
      }
      level = next;
    }
    return { count: { states: depth.size, transitions, terminals: terminals.sort() }, cut: level.length > 0 };
  };

  const full = bfs(false);
  const ideal = bfs(true);
  const reached = new Set(ideal.count.terminals);
  return {
    full: full.count,
    ideal: ideal.count,
    choiceStates,
    pairs,
    commuting,
    terminalsLost: full.count.terminals.filter(k => !reached.has(k)).length,
    cut: full.cut || ideal.cut,
  };
}

/** The subsets of `xs` with `size` elements, in lexicographic order of index. */
function* subsets<T>(xs: readonly T[], size: number, from = 0): Generator<T[]> {
  if (size === 0) {
    yield [];
    return;
  }
  for (let i = from; i <= xs.length - size; i++) {
    for (const rest of subsets(xs, size - 1, i + 1)) yield [xs[i]!, ...rest];
  }
}
