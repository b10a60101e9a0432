/**
 * How much could partial-order reduction save on a model? A measurement for
 * planning (`npm run bench`), not a search mode: it keeps every state it
 * meets in memory (with its successors and which pairs of actions commute
 * there), takes a little longer than the search it measures, and ignores
 * the properties.
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
  /** Encodings (symmetric ones with `symmetry`) of the states with no enabled action. */
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
  /** Identify states by model.symmetricEncode (one per orbit, as CheckOptions.symmetry does), when the model has it. */
  symmetry?: boolean;
}

/** A state of the search, met once: its enabled actions, and what was computed about it, by identity. */
interface Node<S, A> {
  readonly state: S;
  readonly actions: readonly A[];
  /** The actions' names (actor, or the action itself), as text, index for index. */
  readonly names: readonly string[];
  /** Successor by action index, once computed. */
  readonly next: (Node<S, A> | undefined)[];
  /** Whether the actions named by a pair of names commute here ("a|b", a < b). */
  readonly commute: Map<string, boolean>;
}

export function porBound<S, A>(model: Model<S, A>, options: PorBoundOptions = {}): PorBound {
  const maxStates = options.maxStates ?? 100_000;
  const budget = options.budget ?? 20_000;
  // Every state met, by encoding: the searches and the persistent-set checks revisit the same states many times.
  const nodes = new Map<string, Node<S, A>>();
  const identify = options.symmetry === true && model.symmetricEncode !== undefined ? model.symmetricEncode.bind(model) : model.encode.bind(model);
  const nodeOf = (state: S): Node<S, A> => {
    const key = identify(state);
    let n = nodes.get(key);
    if (n === undefined) {
      const actions = model.actions(state);
      const names = actions.map(a => String(model.actor !== undefined ? model.actor(state, a) : a));
      n = { state, actions, names, next: new Array<Node<S, A> | undefined>(actions.length), commute: new Map() };
      nodes.set(key, n);
    }
    return n;
  };
  const step = (n: Node<S, A>, i: number): Node<S, A> => (n.next[i] ??= nodeOf(model.step(n.state, n.actions[i]!)));

  /** Whether the actions named a and b (both enabled in n) commute there: each enabled after the other, both orders the same state. */
  const commute = (n: Node<S, A>, a: string, b: string): boolean => {
    const pair = a < b ? `${a}|${b}` : `${b}|${a}`;
    let r = n.commute.get(pair);
    if (r === undefined) {
      const na = step(n, n.names.indexOf(a));
      const nb = step(n, n.names.indexOf(b));
      const bAfterA = na.names.indexOf(b);
      const aAfterB = nb.names.indexOf(a);
      r = bAfterA >= 0 && aAfterB >= 0 && step(na, bAfterA) === step(nb, aAfterB);
      n.commute.set(pair, r);
    }
    return r;
  };

  /** Whether the actions named `p` (enabled in n) form a persistent set of n; see the header. */
  const persistent = (n: Node<S, A>, p: readonly string[]): boolean => {
    const seen = new Set([n]);
    let level = [n];
    let checks = 0;
    while (level.length > 0) {
      const next: Node<S, A>[] = [];
      for (const x of level) {
        if (!p.every(u => x.names.includes(u))) return false; // an outside action disabled one of P's
        for (let i = 0; i < x.actions.length; i++) {
          const v = x.names[i]!;
          if (p.includes(v)) continue;
          for (const u of p) {
            if (++checks > budget || !commute(x, u, v)) return false;
          }
          const y = step(x, i);
          if (!seen.has(y)) {
            seen.add(y);
            next.push(y);
          }
        }
      }
      level = next;
    }
    return true;
  };

  /** The indices of the smallest persistent subset of n's actions (all of them if none is smaller). */
  const ample = (n: Node<S, A>): readonly number[] => {
    const all = n.actions.map((_, i) => i);
    for (let size = 1; size < all.length; size++) {
      for (const p of subsets(all, size)) if (persistent(n, p.map(i => n.names[i]!))) return p;
    }
    return all;
  };

  let choiceStates = 0;
  let pairs = 0;
  let commuting = 0;
  const bfs = (reduced: boolean): { count: SearchCount; cut: boolean } => {
    const depth = new Map<Node<S, A>, number>();
    const init = nodeOf(model.init());
    depth.set(init, 0);
    let level = [init];
    let transitions = 0;
    const terminals: string[] = [];
    for (let d = 0; level.length > 0 && depth.size < maxStates; d++) {
      const next: Node<S, A>[] = [];
      for (const n of level) {
        const all = n.actions.map((_, i) => i);
        if (all.length === 0) terminals.push(identify(n.state));
        if (!reduced && all.length > 1) {
          choiceStates++;
          for (let i = 0; i < all.length; i++) {
            for (let j = i + 1; j < all.length; j++) {
              pairs++;
              if (commute(n, n.names[i]!, n.names[j]!)) commuting++;
            }
          }
        }
        const chosen = reduced ? ample(n) : all;
        // The cycle proviso: an ample successor already found at depth <= d closes a cycle; expand n fully.
        const proviso = chosen.length < all.length && chosen.some(i => (depth.get(step(n, i)) ?? Infinity) <= d);
        for (const i of proviso ? all : chosen) {
          transitions++;
          const y = step(n, i);
          if (!depth.has(y)) {
            depth.set(y, d + 1);
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
