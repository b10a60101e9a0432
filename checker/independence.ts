/**
 * How much could partial-order reduction save on a model? A measurement for
 * planning (`npm run bench`), not a search mode: it keeps every state it
 * meets in memory (with its successors and which pairs of actions commute
 * there), and takes about twice as long as the search it measures (36 s
 * against 17.5 s on wake-reference with symmetry). The properties play no
 * part unless asked: `untilViolation` judges states by them, `fixing`
 * measures which transitions could make a reduction lose a violation.
 *
 * Partial-order reduction explores, in each state, only an "ample" subset of
 * the enabled actions: a persistent set, one whose actions are independent
 * of every action the others can take before any of the set does (Godefroid,
 * "Partial-Order Methods for the Verification of Concurrent Systems", 1996,
 * def. 4.1, here with state-dependent independence as in Katz and Peled),
 * plus a proviso against ignoring an action forever on a cycle. A real
 * implementation finds persistent sets from declared read/write footprints,
 * which over-approximate; this measures one reduction exactly instead:
 *
 *  - two actions commute in a state when each stays enabled after the other
 *    and both orders reach the same state (equal encode());
 *  - a set P of enabled actions is persistent in s when, in every state
 *    reachable from s by actions outside P (s included), every enabled
 *    action outside P commutes with every action of P, and the actions of P
 *    stay enabled. An action is named by its actor (model.actor(), e.g. a
 *    thread: the same thread's next step in a later state is "the same
 *    transition"), or by itself when the model has no actors; a state where
 *    one actor has two enabled actions is refused (RangeError);
 *  - the ample set of s is the first smallest persistent set (trying subsets
 *    of the enabled actions in order of size, then of action order); a
 *    sub-search that exceeds `budget` commutation checks counts as "not
 *    persistent" (counted in `budgetExhausted`);
 *  - cycle proviso: s is expanded fully when an ample successor was already
 *    discovered at a depth not above s's and lies in the same cycle of the
 *    full graph (the same strongly connected component, one with a cycle).
 *    Every cycle of the reduced graph is a cycle of the full one, inside one
 *    such component, and in a BFS it has an edge to a depth not above its
 *    source's, so no action is ignored around a cycle. On an acyclic state
 *    space the proviso never fires: a proviso on every edge to a state
 *    already seen would also fire on the paths that the reduction makes
 *    converge, and undo much of it.
 *
 * Persistent sets with that proviso reach every terminal (deadlock) state;
 * the result counts those in both searches so a test can see that none is
 * lost. It is an estimate of what footprint-based persistent sets could
 * save, not a bound: the properties' condition (below, measured with
 * `fixing`) may keep more states or fewer (the first smallest set is a
 * greedy choice: refusing one set early can lead to fewer states later),
 * and another choice among equally small persistent sets could keep fewer.
 *
 * The properties' condition. A reduced search must still reach a state that
 * violates each `always` property, and one that meets each `sometimes` goal,
 * whenever the full search does (a "target" state of that property).
 * Persistent sets with the proviso guarantee it if no action of an ample set
 * P smaller than all enabled actions of s can, in a state reached from s by
 * a non-empty path of actions outside P, take a target state of a property
 * to a state that is not one: it cannot "fix" a violation or "unmeet" a
 * goal (at s itself it need not hold: if s is a target, it is reached).
 * Sketch, per property, for a finite state space searched to the end and
 * properties the symmetry preserves: let d(s) be the length of a shortest
 * path w from s to a target. If w holds an action of P, the first one
 * commutes to the front, and its successor in the reduced graph has
 * distance d - 1; a fully expanded state is always this case. Otherwise
 * every a in P stays enabled along w and commutes with all of it, so a's
 * successor reaches a(t) by w, a target because a fixes nothing there:
 * distance at most d. A reduced path on which the distance never drops
 * never meets a fully expanded state; in a finite graph it closes a cycle,
 * and the proviso gives every cycle of the reduced graph a fully expanded
 * state. Only whether a violation or goal is reached is kept, not the depth
 * of the first one. This is weaker than the visibility condition of LTL
 * model checking (no ample action changes an atomic proposition; Peled's
 * C2), which keeps stutter-equivalent runs: an action that moves a state
 * from satisfying to violating a property, or changes only what it reads,
 * does not matter to reachability (related: Hansen and Valmari,
 * "Safety Property-Driven Stubborn Sets", RP 2016). With `fixing`, the full
 * search counts the transitions that fix each property, and
 * `idealPreserving` is the ideal search with that condition checked
 * exactly, in every state of each candidate set's persistence sub-search.
 *
 * With `positions` (a name for where each actor is in its program), also a
 * static estimate: stubborn sets built from relations between positions that
 * the full search learns — two positions are dependent when steps taken from
 * them failed to commute in a state where both were enabled; a position
 * enables another when a step from it made an actor waiting there enabled;
 * an actor's future is every position its learned moves reach from where it
 * is. From each enabled actor, a set is closed under: an enabled member
 * pulls in every actor whose future holds a position dependent on the
 * member's; a disabled member pulls in every actor whose future holds a
 * position that can enable it. The smallest enabled part is expanded (with
 * the same proviso). It estimates stubborn sets from footprints declared
 * per step and per object named in a position, and is not a bound either
 * way: the dependencies are those observed in reachable states (declared
 * footprints would also flag pairs that conflict on paper but commute, or
 * are never enabled together), while positions leave out the locals that
 * name no object, which a footprint could read. With `fixing`, also
 * `staticPreserving`: the static estimate where a set may not hold an
 * enabled actor whose position fixed a property somewhere in the full
 * search (what a declaration of "steps that may fix" per step could do;
 * not a bound either: a declaration flags every step that could fix, but
 * this also refuses a fixer where no target is reachable).
 * With `footprints` (what each transition reads and writes, recorded), also
 * `staticFootprints`: the same stubborn sets, but two positions are
 * dependent when the unions of the footprints of every step the full search
 * took from them conflict, whether or not they were ever enabled together,
 * as footprints declared per step would make them (the enabling relation
 * stays the learned one).
 * Not with `symmetry`: the
 * full search would learn from one naming of interchangeable actors only.
 *
 * With `symmetry`, the searches keep one state per orbit (the model's
 * symmetricEncode, as CheckOptions.symmetry does); persistent sets and
 * commutation are still decided on concrete states, whose actors are the
 * real threads.
 */
import type { Model } from './model.js';
import { splitProperties, stateViolation } from './properties.js';

/** The first state a search met that violates a property (options.untilViolation). */
export interface FirstViolation {
  property: string;
  depth: number;
  /** Distinct states the search had found when it met it (itself included). */
  states: number;
}

export interface SearchCount {
  states: number;
  transitions: number;
  /** With options.untilViolation: the first violation met (the reduced searches stop there); else null. */
  violation: FirstViolation | null;
  /** Keys (encode(), or symmetricEncode() with `symmetry`) of the states with no enabled action. */
  terminals: string[];
  /**
   * With options.fixing: the always properties violated in some state this search reached, and the
   * applicable sometimes goals met in one, each in property order; else null (also when a reduced
   * search stopped at a violation: options.untilViolation).
   */
  found: { violated: string[]; met: string[] } | null;
}

export interface PorEstimate {
  /** The ordinary BFS. */
  full: SearchCount;
  /** BFS over ample sets (the first smallest persistent sets, with the cycle proviso). */
  ideal: SearchCount;
  /**
   * With options.positions: BFS over stubborn sets built from dependencies between positions, learned
   * by the full search (an estimate of what footprints declared per step could do); else null.
   */
  static: SearchCount | null;
  /** Terminal states of `full` that `static` did not reach (0 unless something is wrong; null when it stopped at a violation). */
  staticTerminalsLost: number | null;
  /** With options.verify: static sets (smaller than all enabled actions) that the exact check finds not persistent (0 unless something is wrong). */
  staticNotPersistent: number;
  /** With options.verify: static sets whose exact check ran over `budget` (neither confirmed nor refuted). */
  staticUnverified: number;
  /** The same two counts for `staticPreserving`'s sets (checked with the properties' condition too). */
  staticPreservingNotPersistent: number;
  staticPreservingUnverified: number;
  /** States of `full` where two or more actions are enabled. */
  choiceStates: number;
  /** Pairs of actions enabled together in a state of `full`, and how many of those commute there. */
  pairs: number;
  commuting: number;
  /** Terminal states of `full` that `ideal` did not reach (0 unless something is wrong; null when it stopped at a violation). */
  terminalsLost: number | null;
  /** States of `full` that lie on a cycle (where the proviso can apply). */
  cyclicStates: number;
  /** States of `ideal` expanded fully by the cycle proviso. */
  provisoExpansions: number;
  /** Candidate ideal sets given up as "not persistent" because their check ran over `budget`. */
  budgetExhausted: number;
  /** With options.fixing: the transitions of the full search that fix a property; else null. */
  fixing: Fixing | null;
  /** With options.fixing: the ideal search whose ample sets hold no action that fixes a property (see the header); else null. */
  idealPreserving: SearchCount | null;
  /** With options.fixing and positions: the static search whose sets hold no enabled actor at a position that fixed a property in the full search; else null. */
  staticPreserving: SearchCount | null;
  /** With options.positions and footprints: the static search with dependence from per-position footprint unions; else null. */
  staticFootprints: SearchCount | null;
  /** Terminal states of `full` that `staticFootprints` did not reach (null when it did not run or stopped at a violation). */
  staticFootprintsTerminalsLost: number | null;
  /** With options.verify: staticFootprints sets (smaller than all enabled actions) found not persistent, and unverified (over budget). */
  footprintNotPersistent: number;
  footprintUnverified: number;
  /** Whether maxStates stopped either search (the counts are then of a prefix). */
  cut: boolean;
}

export interface PorEstimateOptions<S = never, A = never, F = never> {
  /** Stop each BFS after this many distinct states (default 100,000). */
  maxStates?: number;
  /** Commutation checks allowed per candidate set (default 20,000); beyond it the set counts as not persistent. */
  budget?: number;
  /** Keep one state per orbit (model.symmetricEncode, as CheckOptions.symmetry does), when the model has it. */
  symmetry?: boolean;
  /**
   * Also estimate static footprints: for a state, every live actor's position — a name for where it is
   * in its program, the same wherever it steps the same way on the same objects (e.g. a thread's call
   * stack labels with the objects its locals name). Actors that have exited are left out. An actor's
   * position must change by its own steps only, and every actor must be there from the initial state
   * (a RangeError otherwise); not with `symmetry`.
   */
  positions?: (s: S) => ReadonlyMap<string, string>;
  /** Check every static set smaller than all enabled actions with the exact persistence test (staticNotPersistent). */
  verify?: boolean;
  /**
   * Judge each newly found state by the model's always and terminal properties: every search records
   * the first violation it meets, and the reduced searches stop there (the full one goes on: the
   * static estimate learns from all of it). A reduction without the visibility condition can miss an
   * always-property violation; terminal states it keeps.
   */
  untilViolation?: boolean;
  /**
   * Also measure the properties' condition (see the header): which transitions of the full search
   * take a state that violates an always property, or meets an applicable sometimes goal, to one
   * that does not (`fixing`), which properties each search violated or met (`found`), and the ideal
   * search that keeps such actions out of ample sets (`idealPreserving`; with `positions`, also
   * `staticPreserving`). Terminal properties need no condition: persistent sets keep terminal states.
   */
  fixing?: boolean;
  /**
   * With `positions`: what a transition reads and writes (`of`, e.g. recorded while it runs), when two
   * conflict (so that transitions that do not conflict commute), and the union of two. Adds the
   * `staticFootprints` search. `of` is called once for every transition of the full search.
   */
  footprints?: {
    of(s: S, a: A): F;
    conflict(x: F, y: F): boolean;
    union(x: F, y: F): F;
  };
}

/** options.fixing: transitions of the full search that fix a property. */
export interface Fixing {
  transitions: number;
  /** Transitions that fix at least one property. */
  fixing: number;
  /**
   * Per always property and applicable sometimes goal, in property order: the transitions that fix
   * it, and the distinct model.label()s of those (sorted, at most 20).
   */
  byProperty: { name: string; fixing: number; labels: string[] }[];
}

/** A concrete state, met once: its enabled actions, and what was computed about it. */
interface Node<S, A> {
  readonly state: S;
  /** encode(): the concrete state. */
  readonly key: string;
  /** The key of the searches: encode(), or symmetricEncode() with `symmetry`. */
  readonly id: string;
  readonly actions: readonly A[];
  /** The actions' names (actor, or the action itself), as text, index for index. */
  readonly names: readonly string[];
  /** Successor by action index, once computed. */
  readonly next: (Node<S, A> | undefined)[];
  /** Whether the actions named by a pair of names commute here ("a|b", a < b). */
  readonly commute: Map<string, boolean>;
  /** options.positions of the state, once computed. */
  positions?: ReadonlyMap<string, string>;
  /** options.fixing: per watched property, whether this state is one of its targets (violates it, or meets the goal), once computed. */
  targets?: readonly boolean[];
}

export function porEstimate<S, A, F = never>(model: Model<S, A>, options: PorEstimateOptions<S, A, F> = {}): PorEstimate {
  const maxStates = options.maxStates ?? 100_000;
  const properties = splitProperties(model.properties);
  const budget = options.budget ?? 20_000;
  const orbit = options.symmetry === true && model.symmetricEncode !== undefined ? model.symmetricEncode.bind(model) : null;
  if (options.footprints !== undefined && options.positions === undefined) throw new RangeError('porEstimate: footprints need positions');
  if (orbit !== null && options.positions !== undefined) {
    // The full search meets one concrete state per orbit, so it would learn the relations between
    // positions for one naming of the interchangeable actors only.
    throw new RangeError('porEstimate: positions (the static estimate) cannot be combined with symmetry');
  }
  // Every concrete state met, by encoding: the searches and the persistent-set checks revisit the same states many times.
  const nodes = new Map<string, Node<S, A>>();
  const nodeOf = (state: S): Node<S, A> => {
    const key = model.encode(state);
    let n = nodes.get(key);
    if (n === undefined) {
      const actions = model.actions(state);
      const names = actions.map(a => String(model.actor !== undefined ? model.actor(state, a) : a));
      if (new Set(names).size !== names.length) {
        throw new RangeError(`porEstimate: an actor has two enabled actions in one state (actors ${names.join(', ')}); it names transitions by actor`);
      }
      n = { state, key, id: orbit === null ? key : orbit(state), actions, names, next: new Array<Node<S, A> | undefined>(actions.length), commute: new Map() };
      nodes.set(key, n);
    }
    return n;
  };
  const step = (n: Node<S, A>, i: number): Node<S, A> => (n.next[i] ??= nodeOf(model.step(n.state, n.actions[i]!)));

  // options.fixing: the properties watched (always ones, and sometimes goals that apply), and each state's targets.
  const initState = model.init();
  const watched = options.fixing === true
    ? [...properties.always.map(p => ({ name: p.name, target: (x: S) => p.violation(x) !== null })),
      ...properties.sometimes.filter(p => p.applies(initState)).map(p => ({ name: p.name, target: (x: S) => p.reached(x) }))]
    : [];
  const targets = (n: Node<S, A>): readonly boolean[] => (n.targets ??= watched.map(p => p.target(n.state)));
  /** The watched properties (by index) that action i fixes in n: a target of theirs before, not after. */
  const fixed = (n: Node<S, A>, i: number): number[] => {
    const before = targets(n);
    if (!before.includes(true)) return [];
    const after = targets(step(n, i));
    return before.flatMap((b, k) => (b && !after[k] ? [k] : []));
  };

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

  let budgetExhausted = 0;
  // options.verify: static sets found not persistent, and unverified (over budget), per static search.
  const staticCounts = { notPersistent: 0, unverified: 0 };
  const staticPreservingCounts = { notPersistent: 0, unverified: 0 };
  const footprintCounts = { notPersistent: 0, unverified: 0 };
  /**
   * Whether the actions named `p` (enabled in n) form a persistent set of n (see the header); null: over
   * budget, not known. With `preserving`, also that none of them fixes a property in any of those states.
   */
  const persistent = (n: Node<S, A>, p: readonly string[], preserving = false): boolean | null => {
    const seen = new Set([n]);
    let level = [n];
    let checks = 0;
    while (level.length > 0) {
      const next: Node<S, A>[] = [];
      for (const x of level) {
        if (!p.every(u => x.names.includes(u))) return false; // an outside action disabled one of P's
        if (preserving && x !== n && p.some(u => fixed(x, x.names.indexOf(u)).length > 0)) return false;
        for (let i = 0; i < x.actions.length; i++) {
          const v = x.names[i]!;
          if (p.includes(v)) continue;
          for (const u of p) {
            if (++checks > budget) return null;
            if (!commute(x, u, v)) return false;
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

  /**
   * The indices of the first smallest persistent subset of n's actions (all of them if none is
   * smaller); with `preserving`, the first smallest one that also fixes no property (options.fixing).
   */
  const ample = (n: Node<S, A>, preserving = false): readonly number[] => {
    const all = n.actions.map((_, i) => i);
    for (let size = 1; size < all.length; size++) {
      for (const p of subsets(all, size)) {
        const yes = persistent(n, p.map(i => n.names[i]!), preserving);
        if (yes === null) budgetExhausted++; // given up: counts as not persistent
        if (yes === true) return p;
      }
    }
    return all;
  };

  let choiceStates = 0;
  let pairs = 0;
  let commuting = 0;
  let provisoExpansions = 0;
  /** The full graph over search keys (filled by the full search), and each key's cyclic component (-1: none). */
  const edges = new Map<string, string[]>();
  let cycleOf = new Map<string, number>();
  const sameCycle = (a: string, b: string): boolean => {
    const ca = cycleOf.get(a);
    const cb = cycleOf.get(b);
    // A state the full search did not reach (it was cut): assume the worst.
    return ca === undefined || cb === undefined || (ca >= 0 && ca === cb);
  };

  // The static estimate (options.positions): dependencies between positions, learned by the full search.
  const positions = options.positions;
  const posOf = (n: Node<S, A>): ReadonlyMap<string, string> => (n.positions ??= positions!(n.state));
  /** "p#q": a step taken at position p and one taken at q failed to commute where both were enabled (both orders stored). */
  const dependent = new Set<string>();
  /** "p#q": a step taken at position p enabled an actor waiting at position q. */
  const enables = new Set<string>();
  /** Per actor: position -> the positions its next step led to. */
  const moves = new Map<string, Map<string, Set<string>>>();
  /** options.footprints: per position, the union of the footprints of the steps taken from it. */
  const footprints = options.footprints;
  const footprintAt = new Map<string, F>();
  const footprintDependent = new Map<string, boolean>();
  /** Whether the footprint unions of positions p and q conflict (false when either never took a step). */
  const conflictAt = (p: string, q: string): boolean => {
    const key = p < q ? `${p}#${q}` : `${q}#${p}`;
    let r = footprintDependent.get(key);
    if (r === undefined) {
      const x = footprintAt.get(p);
      const y = footprintAt.get(q);
      r = x !== undefined && y !== undefined && footprints!.conflict(x, y);
      footprintDependent.set(key, r);
    }
    return r;
  };
  const learn = (n: Node<S, A>): void => {
    const here = posOf(n);
    for (let i = 0; i < n.actions.length; i++) {
      const a = n.names[i]!;
      const y = step(n, i);
      const there = posOf(y);
      const from = here.get(a)!;
      let g = moves.get(a);
      if (g === undefined) moves.set(a, (g = new Map()));
      let to = g.get(from);
      if (to === undefined) g.set(from, (to = new Set()));
      to.add(there.get(a) ?? EXITED);
      if (footprints !== undefined) {
        const f = footprints.of(n.state, n.actions[i]!);
        const old = footprintAt.get(from);
        footprintAt.set(from, old === undefined ? f : footprints.union(old, f));
      }
      for (const [v, at] of here) {
        if (v !== a && there.has(v) && there.get(v) !== at) {
          throw new RangeError(`porEstimate: a step of ${a} moved ${v} from ${at} to ${there.get(v)!} (positions must change by their own actor's steps only)`);
        }
        if (!n.names.includes(v) && y.names.includes(v)) enables.add(`${from}#${at}`);
      }
      for (const v of there.keys()) {
        if (!here.has(v)) throw new RangeError(`porEstimate: actor ${v} appeared after a step of ${a} (positions need every actor from the start)`);
      }
      for (let j = i + 1; j < n.actions.length; j++) {
        const b = n.names[j]!;
        if (!commute(n, a, b)) {
          dependent.add(`${from}#${here.get(b)!}`);
          dependent.add(`${here.get(b)!}#${from}`);
        }
      }
    }
  };
  const futures = new Map<string, Set<string>>();
  /** The positions actor v can reach from p (p included), in its learned moves. */
  const future = (v: string, p: string): Set<string> => {
    const key = `${v}@${p}`;
    let r = futures.get(key);
    if (r === undefined) {
      r = new Set([p]);
      const todo = [p];
      const g = moves.get(v);
      while (todo.length > 0) {
        const at = todo.pop()!;
        for (const q of g?.get(at) ?? []) {
          if (!r.has(q)) {
            r.add(q);
            todo.push(q);
          }
        }
      }
      futures.set(key, r);
    }
    return r;
  };
  /**
   * The smallest enabled part of a stubborn set built from the learned relations: start from one enabled
   * actor; an enabled member pulls in every actor whose future holds a position dependent on the member's
   * step; a disabled member pulls in every actor whose future holds a position that can enable it.
   */
  const stubborn = (n: Node<S, A>, preserving = false, byFootprint = false): readonly number[] => {
    const here = posOf(n);
    let best: readonly number[] = n.actions.map((_, i) => i);
    for (const u of n.names) {
      const members = new Set([u]);
      const todo = [u];
      while (todo.length > 0) {
        const x = todo.pop()!;
        const at = here.get(x)!;
        const enabled = n.names.includes(x);
        for (const [v, p] of here) {
          if (members.has(v)) continue;
          for (const q of future(v, p)) {
            if (enabled ? (byFootprint ? conflictAt(at, q) : dependent.has(`${at}#${q}`)) : enables.has(`${q}#${at}`)) {
              members.add(v);
              todo.push(v);
              break;
            }
          }
        }
      }
      const chosen = n.actions.map((_, i) => i).filter(i => members.has(n.names[i]!));
      if (preserving && chosen.some(i => fixerPositions.has(here.get(n.names[i]!)!))) continue;
      if (chosen.length < best.length) best = chosen;
    }
    if (options.verify === true && best.length < n.actions.length) {
      const yes = persistent(n, best.map(i => n.names[i]!), preserving);
      const counts = byFootprint ? footprintCounts : preserving ? staticPreservingCounts : staticCounts;
      if (yes === false) counts.notPersistent++;
      if (yes === null) counts.unverified++;
    }
    return best;
  };

  /** options.fixing: the transitions of the full search that fix a property, and (positions) the positions they were taken from. */
  const fullNodes: Node<S, A>[] = [];
  const fixerPositions = new Set<string>();
  const measureFixing = (): Fixing => {
    const byProperty = watched.map(p => ({ name: p.name, fixing: 0, labels: new Set<string>() }));
    let transitions = 0;
    let fixing = 0;
    for (const n of fullNodes) {
      for (let i = 0; i < n.actions.length; i++) {
        transitions++;
        const ks = fixed(n, i);
        if (ks.length === 0) continue;
        fixing++;
        if (positions !== undefined) fixerPositions.add(posOf(n).get(n.names[i]!)!);
        const label = model.label(n.state, n.actions[i]!);
        for (const k of ks) {
          byProperty[k]!.fixing++;
          byProperty[k]!.labels.add(label);
        }
      }
    }
    return { transitions, fixing, byProperty: byProperty.map(p => ({ name: p.name, fixing: p.fixing, labels: [...p.labels].sort().slice(0, 20) })) };
  };

  const bfs = (mode: 'full' | 'ideal' | 'static' | 'idealPreserving' | 'staticPreserving' | 'staticFootprints'): { count: SearchCount; cut: boolean } => {
    const reduced = mode !== 'full';
    const depth = new Map<string, number>();
    const init = nodeOf(initState);
    /** options.fixing: per watched property, whether a reached state is one of its targets. */
    const hit = watched.map(() => false);
    depth.set(init.id, 0);
    let level = [init];
    let transitions = 0;
    const terminals: string[] = [];
    let violation: FirstViolation | null = null;
    const judge = (y: Node<S, A>, at: number): void => {
      if (watched.length > 0) targets(y).forEach((b, k) => { if (b) hit[k] = true; });
      if (options.untilViolation !== true || violation !== null) return;
      const v = stateViolation(properties, y.state, y.actions.length === 0);
      if (v !== null) violation = { property: v.property, depth: at, states: depth.size };
    };
    judge(init, 0);
    for (let d = 0; level.length > 0 && depth.size < maxStates; d++) {
      const next: Node<S, A>[] = [];
      for (const n of level) {
        const all = n.actions.map((_, i) => i);
        if (all.length === 0) terminals.push(n.id);
        if (!reduced) {
          fullNodes.push(n);
          if (positions !== undefined) learn(n);
          edges.set(n.id, all.map(i => step(n, i).id));
          if (all.length > 1) {
            choiceStates++;
            for (let i = 0; i < all.length; i++) {
              for (let j = i + 1; j < all.length; j++) {
                pairs++;
                if (commute(n, n.names[i]!, n.names[j]!)) commuting++;
              }
            }
          }
        }
        let chosen = mode === 'ideal' ? ample(n)
          : mode === 'idealPreserving' ? ample(n, true)
          : mode === 'static' ? stubborn(n)
          : mode === 'staticPreserving' ? stubborn(n, true)
          : mode === 'staticFootprints' ? stubborn(n, false, true)
          : all;
        // The cycle proviso: an ample successor already found at depth <= d, on a cycle with n, may close a cycle.
        if (chosen.length < all.length && chosen.some(i => {
          const y = step(n, i).id;
          return (depth.get(y) ?? Infinity) <= d && sameCycle(n.id, y);
        })) {
          if (mode === 'ideal') provisoExpansions++;
          chosen = all;
        }
        for (const i of chosen) {
          transitions++;
          const y = step(n, i);
          if (!depth.has(y.id)) {
            depth.set(y.id, d + 1);
            next.push(y);
            judge(y, d + 1);
          }
        }
      }
      level = next;
      if (reduced && violation !== null) break;
    }
    // A reduced search that stopped at a violation has seen part of its graph only: no `found`.
    const found = options.fixing === true && !(reduced && violation !== null)
      ? { violated: watched.flatMap((p, k) => (hit[k]! && k < properties.always.length ? [p.name] : [])), met: watched.flatMap((p, k) => (hit[k]! && k >= properties.always.length ? [p.name] : [])) }
      : null;
    return { count: { states: depth.size, transitions, violation, terminals: terminals.sort(), found }, cut: level.length > 0 && !(reduced && violation !== null) };
  };

  const full = bfs('full');
  cycleOf = cyclicComponents(edges);
  const ideal = bfs('ideal');
  const stat = positions !== undefined ? bfs('static') : null;
  const fixing = options.fixing === true ? measureFixing() : null;
  const idealPreserving = fixing !== null ? bfs('idealPreserving') : null;
  const staticPreserving = fixing !== null && positions !== undefined ? bfs('staticPreserving') : null;
  const staticFootprints = footprints !== undefined ? bfs('staticFootprints') : null;
  /** Terminal states of the full search that a reduced one did not reach; null when it stopped at a violation. */
  const lost = (reduced: SearchCount): number | null => {
    if (reduced.violation !== null) return null;
    const reached = new Set(reduced.terminals);
    return full.count.terminals.filter(k => !reached.has(k)).length;
  };
  return {
    full: full.count,
    ideal: ideal.count,
    static: stat?.count ?? null,
    staticTerminalsLost: stat === null ? 0 : lost(stat.count),
    staticNotPersistent: staticCounts.notPersistent,
    staticUnverified: staticCounts.unverified,
    staticPreservingNotPersistent: staticPreservingCounts.notPersistent,
    staticPreservingUnverified: staticPreservingCounts.unverified,
    choiceStates,
    pairs,
    commuting,
    terminalsLost: lost(ideal.count),
    cyclicStates: [...cycleOf.values()].filter(c => c >= 0).length,
    provisoExpansions,
    budgetExhausted,
    fixing,
    idealPreserving: idealPreserving?.count ?? null,
    staticPreserving: staticPreserving?.count ?? null,
    staticFootprints: staticFootprints?.count ?? null,
    staticFootprintsTerminalsLost: staticFootprints === null ? null : lost(staticFootprints.count),
    footprintNotPersistent: footprintCounts.notPersistent,
    footprintUnverified: footprintCounts.unverified,
    cut: [full, ideal, stat, idealPreserving, staticPreserving, staticFootprints].some(r => r?.cut ?? false),
  };
}

/** The position of an actor that has exited (positions() leaves it out). */
const EXITED = '(exited)';

/**
 * Tarjan's strongly connected components, iteratively: for each vertex, the
 * index of its component if that component has a cycle (two or more
 * vertices, or a self-loop), else -1. Successors that are not vertices (the
 * search was cut before expanding them) are left out.
 */
export function cyclicComponents(graph: ReadonlyMap<string, readonly string[]>): Map<string, number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const result = new Map<string, number>();
  let counter = 0;
  let components = 0;
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    // Each frame: a vertex and the position of the next successor to look at.
    const frames: { v: string; at: number }[] = [{ v: root, at: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (frames.length > 0) {
      const f = frames[frames.length - 1]!;
      const succ = graph.get(f.v)!;
      if (f.at < succ.length) {
        const w = succ[f.at++]!;
        if (!graph.has(w)) continue;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          frames.push({ v: w, at: 0 });
        } else if (onStack.has(w)) {
          low.set(f.v, Math.min(low.get(f.v)!, index.get(w)!));
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent !== undefined) low.set(parent.v, Math.min(low.get(parent.v)!, low.get(f.v)!));
      if (low.get(f.v) === index.get(f.v)) {
        const members: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          members.push(w);
        } while (w !== f.v);
        const cyclic = members.length > 1 || succ.includes(f.v);
        const id = cyclic ? components++ : -1;
        for (const m of members) result.set(m, id);
      }
    }
  }
  return result;
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
