/**
 * How much could partial-order reduction save on a model? A measurement for
 * planning (`npm run bench`), not a search mode: it keeps every state it
 * meets in memory (with its successors and which pairs of actions commute
 * there), and takes about twice as long as the search it measures (36 s
 * against 17.5 s on wake-reference with symmetry). The properties play no
 * part unless asked: `untilViolation` judges states by them, `visibility`
 * measures what they read.
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
 * save, not a bound: the properties' visibility condition (no action that
 * changes what a property reads in an ample set; measured with
 * `visibility`) keeps more states; another choice among equally small
 * persistent sets (a few percent here) could keep fewer.
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
 * name no object, which a footprint could read. Not with `symmetry`: the
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
  /** With options.visibility: what the properties read, and the ideal search that respects it; else null. */
  visibility: Visibility | null;
  idealVisible: SearchCount | null;
  /** Whether maxStates stopped either search (the counts are then of a prefix). */
  cut: boolean;
}

export interface PorEstimateOptions<S = never> {
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
   * Also measure the visibility condition, by what the properties read: every always and sometimes
   * property is evaluated on every state of the full search through a proxy that records the leaf
   * values it reads (paths of plain objects and arrays); a transition is visible to a property when
   * it changes one of them. Reports the share of visible transitions and an ideal search in which an
   * ample set holding a visible transition is expanded fully (`idealVisible`). Terminal properties
   * need no visibility (persistent sets keep terminal states).
   */
  visibility?: boolean;
}

/** options.visibility: transitions of the full search that change something a property reads. */
export interface Visibility {
  transitions: number;
  /** Visible to at least one property. */
  visible: number;
  /** Per always or sometimes property, in property order: the transitions visible to it. */
  byProperty: { name: string; visible: number }[];
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
}

export function porEstimate<S, A>(model: Model<S, A>, options: PorEstimateOptions<S> = {}): PorEstimate {
  const maxStates = options.maxStates ?? 100_000;
  const properties = splitProperties(model.properties);
  const budget = options.budget ?? 20_000;
  const orbit = options.symmetry === true && model.symmetricEncode !== undefined ? model.symmetricEncode.bind(model) : null;
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
  let staticNotPersistent = 0;
  let staticUnverified = 0;
  /** Whether the actions named `p` (enabled in n) form a persistent set of n (see the header); null: over budget, not known. */
  const persistent = (n: Node<S, A>, p: readonly string[]): boolean | null => {
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
   * smaller); with `invisible`, the first smallest one without a visible action (options.visibility).
   */
  const ample = (n: Node<S, A>, invisible = false): readonly number[] => {
    const all = n.actions.map((_, i) => i);
    for (let size = 1; size < all.length; size++) {
      for (const p of subsets(all, size)) {
        if (invisible && p.some(i => isVisible(n, i))) continue;
        const yes = persistent(n, p.map(i => n.names[i]!));
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
        for (const q of g?.get(todo.pop()!) ?? []) {
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
  const stubborn = (n: Node<S, A>): readonly number[] => {
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
            if (enabled ? dependent.has(`${at}#${q}`) : enables.has(`${q}#${at}`)) {
              members.add(v);
              todo.push(v);
              break;
            }
          }
        }
      }
      const chosen = n.actions.map((_, i) => i).filter(i => members.has(n.names[i]!));
      if (chosen.length < best.length) best = chosen;
    }
    if (options.verify === true && best.length < n.actions.length) {
      const yes = persistent(n, best.map(i => n.names[i]!));
      if (yes === false) staticNotPersistent++;
      if (yes === null) staticUnverified++;
    }
    return best;
  };

  /** options.visibility: the leaf paths each always/sometimes property read, and which (node, action) are visible. */
  const fullNodes: Node<S, A>[] = [];
  let visibleSet: Set<string> | null = null;
  /** Concrete states whose transitions were judged (a reduced search with symmetry may expand another member of an orbit: all visible). */
  const visibleKnown = new Set<string>();
  const isVisible = (n: Node<S, A>, i: number): boolean => visibleSet!.has(`${n.key}\u0000${i}`) || !visibleKnown.has(n.key);
  const measureVisibility = (): Visibility => {
    const watched = model.properties.filter(p => p.kind !== 'terminal');
    const byProperty: { name: string; visible: number }[] = [];
    const visible = new Set<string>();
    let transitions = 0;
    for (const n of fullNodes) {
      transitions += n.actions.length;
      visibleKnown.add(n.key);
    }
    for (const p of watched) {
      const paths = new Set<string>();
      for (const n of fullNodes) {
        const seen = recordingProxy(n.state, '', paths);
        if (p.kind === 'sometimes') {
          p.applies(seen);
          p.reached(seen);
        } else if (p.kind === 'always') {
          p.violation(seen);
        }
      }
      const keys = [...paths].map(k => k.split('\u0000').slice(1));
      let count = 0;
      for (const n of fullNodes) {
        for (let i = 0; i < n.actions.length; i++) {
          const y = step(n, i);
          if (keys.some(k => valueAt(n.state, k) !== valueAt(y.state, k))) {
            count++;
            visible.add(`${n.key}\u0000${i}`);
          }
        }
      }
      byProperty.push({ name: p.name, visible: count });
    }
    visibleSet = visible;
    return { transitions, visible: visible.size, byProperty };
  };

  const bfs = (mode: 'full' | 'ideal' | 'static' | 'idealVisible'): { count: SearchCount; cut: boolean } => {
    const reduced = mode !== 'full';
    const depth = new Map<string, number>();
    const init = nodeOf(model.init());
    depth.set(init.id, 0);
    let level = [init];
    let transitions = 0;
    const terminals: string[] = [];
    let violation: FirstViolation | null = null;
    const judge = (y: Node<S, A>, at: number): void => {
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
        // idealVisible: the visibility condition, no visible transition in an ample set smaller than all.
        let chosen = mode === 'ideal' ? ample(n) : mode === 'idealVisible' ? ample(n, true) : mode === 'static' ? stubborn(n) : all;
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
    return { count: { states: depth.size, transitions, violation, terminals: terminals.sort() }, cut: level.length > 0 && !(reduced && violation !== null) };
  };

  const full = bfs('full');
  cycleOf = cyclicComponents(edges);
  const ideal = bfs('ideal');
  const fixed = positions !== undefined ? bfs('static') : null;
  const visibility = options.visibility === true ? measureVisibility() : null;
  const idealVisible = visibility !== null ? bfs('idealVisible') : null;
  /** Terminal states of the full search that a reduced one did not reach; null when it stopped at a violation. */
  const lost = (reduced: SearchCount): number | null => {
    if (reduced.violation !== null) return null;
    const reached = new Set(reduced.terminals);
    return full.count.terminals.filter(k => !reached.has(k)).length;
  };
  return {
    full: full.count,
    ideal: ideal.count,
    static: fixed?.count ?? null,
    staticTerminalsLost: fixed === null ? 0 : lost(fixed.count),
    staticNotPersistent,
    staticUnverified,
    choiceStates,
    pairs,
    commuting,
    terminalsLost: lost(ideal.count),
    cyclicStates: [...cycleOf.values()].filter(c => c >= 0).length,
    provisoExpansions,
    budgetExhausted,
    visibility,
    idealVisible: idealVisible?.count ?? null,
    cut: full.cut || ideal.cut || (fixed?.cut ?? false) || (idealVisible?.cut ?? false),
  };
}

/**
 * `o` seen through a proxy that adds to `paths` the path ("\u0000"-joined keys) of every leaf value
 * (not an object) read through it, at any depth. For plain objects and arrays.
 */
function recordingProxy<T>(o: T, path: string, paths: Set<string>): T {
  if (typeof o !== 'object' || o === null) return o;
  return new Proxy(o as object, {
    get(target, key, receiver) {
      const v: unknown = Reflect.get(target, key, receiver);
      if (typeof key === 'symbol' || typeof v === 'function') return v;
      const here = `${path}\u0000${key}`;
      if (typeof v !== 'object' || v === null) paths.add(here);
      return recordingProxy(v, here, paths);
    },
  }) as T;
}

/** The value at a path of keys (undefined where it runs out). */
function valueAt(o: unknown, keys: readonly string[]): unknown {
  let v = o;
  for (const k of keys) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as { [k: string]: unknown })[k];
  }
  return v;
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
