/**
 * Swarm search: many independent walks from the initial state, each a pure
 * function of (model, options, walk index), so they can run in any number of
 * worker threads, or be split across machines with a shard (`--shard I/N`
 * runs the walks whose index is I mod N), and the merged result is the same.
 *
 * - random: each step picks uniformly among the enabled actions.
 * - pct: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi,
 *   Nagarakatte, ASPLOS 2010): each actor (thread) gets a random priority
 *   in [d, d+1); `d - 1` change points are drawn uniformly in 1..k, where k
 *   is the length of the run that always takes the first enabled action (a
 *   deterministic estimate of a run's length); each step runs the enabled
 *   actor with the highest priority, except that at the step numbered by
 *   change point j that actor's priority first drops to j (below every
 *   initial one) and the choice is made again. A bug of depth d (d ordering
 *   constraints) is found by one walk with probability at least 1/(n k^(d-1)).
 *
 * Walk w draws from seedrandom(`uffd-mc:STRATEGY:SEED:w`). A walk ends in a
 * state with no enabled action, at the depth limit, or at its first
 * violation. Walks are merged in index order: the reported violation is the
 * one of the lowest-numbered violating walk, and the counts (distinct
 * states, transitions, goals) cover the walks up to it. With maxStates, the
 * merge stops at the step of the first walk that finds a state beyond that
 * many distinct ones, as explore.ts's searches stop (bound 'max-states'):
 * decided in walk order, so it too is the same for any number of workers.
 * Never complete: the bound is 'random' or 'pct' (or 'max-states', or
 * 'interrupted').
 *
 * check() and checkAsync() (checker/check.ts) run strategy 'random' as
 * walkSwarm(); walkSearch() is the same swarm for callers that have walk
 * options.
 */
import seedrandom from 'seedrandom';
import type { CheckResult, Progress, Violation } from './explore.js';
import { runAsync, SLICE } from './explore.js';
import { fingerprintAt, FingerprintSet, FULL, NEW } from './table.js';
import { Judge, labelsOf, makeResult, stateKey } from './judge.js';
import type { Model } from './model.js';
import { Pool, type ModelSpec } from './pool.js';
import type { StateViolation } from './properties.js';

export type WalkStrategy = 'random' | 'pct';

export interface Shard {
  /** 0 <= index < count */
  index: number;
  count: number;
}

export interface WalkOptions {
  strategy: WalkStrategy;
  /** Non-negative integer (default 0). */
  seed?: number | undefined;
  /** How many walks in all shards together (default 1000). */
  walks?: number | undefined;
  /** Depth limit of a walk (default 10,000). */
  maxDepth?: number | undefined;
  /** Stop at the first step (in walk order) that finds a state beyond this many distinct states. A positive integer. */
  maxStates?: number | undefined;
  /** pct: the bug depth d, at least 1 (default 3): d - 1 priority change points. */
  pctDepth?: number | undefined;
  symmetry?: boolean | undefined;
  /** Run only the walks whose index is shard.index mod shard.count. */
  shard?: Shard | undefined;
  onProgress?: ((p: Progress) => void) | undefined;
  shouldStop?: (() => boolean) | undefined;
}

/** What one walk found: all a coordinator needs to merge it. */
export interface WalkRecord {
  walk: number;
  transitions: number;
  depth: number;
  /** Fingerprint halves (h1, h2) of each state after a step, in order. */
  fps: Int32Array;
  /** Goals this walk reached first on its runner: the goal's index, and the step (1-based) of the state that reached it. */
  goals: { goal: number; step: number }[];
  violation: (StateViolation & { choices: number[] }) | null;
}

/** The walks of one process or worker thread. */
export class WalkRunner<S, A> {
  private readonly init: S;
  private readonly initActions: readonly A[];
  readonly judge: Judge<S>;
  private readonly key: (s: S) => string;
  private readonly depthLimit: number;
  /** pct: estimated run length k. */
  private readonly k: number;
  private readonly actor: (s: S, a: A) => string | number;

  constructor(private readonly model: Model<S, A>, private readonly options: WalkOptions) {
    this.init = model.init();
    this.initActions = model.actions(this.init);
    this.judge = new Judge(model as Model<S, unknown>, this.init);
    this.key = stateKey(model, options.symmetry);
    this.depthLimit = options.maxDepth ?? 10_000;
    const actor = model.actor;
    if (options.strategy === 'pct' && actor === undefined) throw new RangeError('pct needs a model with actor() (which thread takes an action)');
    this.actor = actor !== undefined ? (s, a) => actor.call(model, s, a) : () => 0;
    let k = 0;
    if (options.strategy === 'pct') {
      for (let s = this.init, en = this.initActions; en.length > 0 && k < this.depthLimit; k++) {
        s = model.step(s, en[0]!);
        en = model.actions(s);
      }
    }
    this.k = Math.max(1, k);
  }

  /** The initial state's violation, if any (judged once, by the coordinator). */
  judgeInit(): StateViolation | null {
    return this.judge.judge(this.init, this.initActions.length);
  }

  /** Walk number `w`. `stop` is polled every SLICE steps: true ends the walk early. */
  runWalk(w: number, stop: () => boolean): WalkRecord {
    const { model, options } = this;
    const pct = options.strategy === 'pct';
    const rng = seedrandom(`uffd-mc:${options.strategy}:${options.seed ?? 0}:${w}`);
    const d = options.pctDepth ?? 3;
    const changeAt: number[] = [];
    for (let j = 1; pct && j < d; j++) changeAt.push(1 + Math.floor(rng() * this.k));
    const priority = new Map<string | number, number>();
    const reachedBefore = this.judge.reached.slice();
    let reachedCount = this.judge.reachedCount;
    const goals: WalkRecord['goals'] = [];
    const fps: number[] = [];
    const scratch = new Int32Array(2);
    const choices: number[] = [];
    let s = this.init;
    let enabled = this.initActions;
    let violation: WalkRecord['violation'] = null;
    while (enabled.length > 0 && choices.length < this.depthLimit) {
      if ((choices.length + 1) % SLICE === 0 && stop()) break;
      let j: number;
      if (pct) {
        const step = choices.length + 1;
        const prio = (a: A): number => {
          const who = this.actor(s, a);
          let p = priority.get(who);
          if (p === undefined) {
            p = d + rng();
            priority.set(who, p);
          }
          return p;
        };
        j = highest(enabled, prio);
        for (let c = 0; c < changeAt.length; c++) {
          if (changeAt[c] === step) {
            priority.set(this.actor(s, enabled[j]!), c + 1);
            j = highest(enabled, prio);
          }
        }
      } else {
        j = Math.floor(rng() * enabled.length);
      }
      s = model.step(s, enabled[j]!);
      choices.push(j);
      enabled = model.actions(s);
      fingerprintAt(this.key(s), scratch, 0);
      fps.push(scratch[0]!, scratch[1]!);
      const v = this.judge.judge(s, enabled.length);
      if (this.judge.reachedCount !== reachedCount) {
        reachedCount = this.judge.reachedCount;
        for (let g = 0; g < reachedBefore.length; g++) {
          if (this.judge.reached[g] === true && reachedBefore[g] === false) {
            reachedBefore[g] = true;
            goals.push({ goal: g, step: choices.length });
          }
        }
      }
      if (v !== null) {
        violation = { ...v, choices: choices.slice() };
        break;
      }
    }
    return { walk: w, transitions: choices.length, depth: choices.length, fps: Int32Array.from(fps), goals, violation };
  }
}

/** Index of the enabled action whose actor has the highest priority (the first on ties). */
function highest<A>(enabled: readonly A[], prio: (a: A) => number): number {
  let best = 0;
  let bestP = prio(enabled[0]!);
  for (let i = 1; i < enabled.length; i++) {
    const p = prio(enabled[i]!);
    if (p > bestP) {
      best = i;
      bestP = p;
    }
  }
  return best;
}

/** The walk indices of a shard, in order. */
export function shardWalks(walks: number, shard: Shard | undefined): number[] {
  const out: number[] = [];
  const step = shard?.count ?? 1;
  for (let w = shard?.index ?? 0; w < walks; w += step) out.push(w);
  return out;
}

function validate(options: WalkOptions): void {
  const { seed, walks, maxDepth, maxStates, pctDepth, shard } = options;
  if (options.strategy !== 'random' && options.strategy !== 'pct') throw new RangeError(`unknown walk strategy ${JSON.stringify(options.strategy)}`);
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0)) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
  if (walks !== undefined && !(Number.isInteger(walks) && walks >= 1)) throw new RangeError(`walks must be a positive integer, got ${walks}`);
  if (maxDepth !== undefined && !(Number.isInteger(maxDepth) && maxDepth >= 0)) throw new RangeError(`maxDepth must be a non-negative integer, got ${maxDepth}`);
  if (maxStates !== undefined && !(Number.isInteger(maxStates) && maxStates >= 1)) throw new RangeError(`maxStates must be a positive integer, got ${maxStates}`);
  if (pctDepth !== undefined && !(Number.isInteger(pctDepth) && pctDepth >= 1)) throw new RangeError(`pctDepth must be a positive integer, got ${pctDepth}`);
  if (shard !== undefined && !(Number.isInteger(shard.count) && shard.count >= 1 && Number.isInteger(shard.index) && shard.index >= 0 && shard.index < shard.count)) {
    throw new RangeError(`shard must be I/N with 0 <= I < N, got ${shard.index}/${shard.count}`);
  }
}

/**
 * Merges walk records in walk order, up to and including the first violating
 * one, or up to the step that finds a state beyond maxStates distinct ones
 * (that step's transition counts, its state is neither stored nor judged, and
 * the rest of its walk is dropped, as explore.ts's searches stop).
 */
class Merger<S, A> {
  readonly seen: FingerprintSet;
  transitions = 0;
  depth = 0;
  violation: Violation | null = null;
  /** The state limit stopped the merge. */
  full = false;
  merged = 0;
  /** Per goal (in judge.goals order): reached by the merged steps (or the initial state). */
  readonly reached: boolean[];

  constructor(private readonly model: Model<S, A>, private readonly runner: WalkRunner<S, A>, initKey: string, maxStates: number | undefined) {
    this.seen = new FingerprintSet(maxStates ?? Infinity);
    const h = new Int32Array(2);
    fingerprintAt(initKey, h, 0);
    this.seen.addFingerprint(h[0]!, h[1]!);
    this.reached = runner.judge.reached.slice();
  }

  /** A violation or the state limit ended the merge: later records are not merged. */
  get done(): boolean {
    return this.violation !== null || this.full;
  }

  /** Adds one record; true when the merge is done (a violation, or the state limit). */
  add(r: WalkRecord): boolean {
    this.merged++;
    // Steps of this walk merged: all, unless the state limit cuts the walk.
    let steps = r.transitions;
    for (let i = 0; i < r.fps.length; i += 2) {
      const added = this.seen.addFingerprint(r.fps[i]!, r.fps[i + 1]!);
      if (added === FULL) {
        this.full = true;
        steps = i / 2;
        break;
      }
      // The depth of the deepest newly discovered state.
      if (added === NEW && i / 2 + 1 > this.depth) this.depth = i / 2 + 1;
    }
    this.transitions += this.full ? steps + 1 : steps;
    for (const { goal, step } of r.goals) if (step <= steps) this.reached[goal] = true;
    if (this.full) return true;
    if (r.violation === null) return false;
    const { choices, ...v } = r.violation;
    this.violation = { ...v, choices, labels: labelsOf(this.model, choices), depth: choices.length };
    return true;
  }

  /** Reports progress every 64 walks; the frontier is the number of walks not merged yet. */
  progress(options: WalkOptions, walks: number): void {
    if (this.merged % 64 === 0) options.onProgress?.({ states: this.seen.size, transitions: this.transitions, depth: this.depth, frontier: walks - this.merged });
  }

  result(options: WalkOptions, interrupted: boolean): CheckResult {
    return makeResult({
      strategy: options.strategy, bound: interrupted ? 'interrupted' : this.full ? 'max-states' : options.strategy, states: this.seen.size, transitions: this.transitions,
      maxDepth: this.depth, violation: this.violation, goals: this.runner.judge.goals as never, reached: this.reached, visitedBytes: this.seen.bytes, traceBytes: 0,
    });
  }
}

/** What both swarm drivers start with; with initViolation, the merger already holds the initial state's violation. */
function startSwarm<S, A>(model: Model<S, A>, options: WalkOptions): { runner: WalkRunner<S, A>; merger: Merger<S, A>; indices: number[]; initViolation: boolean } {
  validate(options);
  const runner = new WalkRunner(model, options);
  const v0 = runner.judgeInit(); // first: the merger starts from the goals the initial state reaches
  const merger = new Merger(model, runner, stateKey(model, options.symmetry)(model.init()), options.maxStates);
  if (v0 !== null) merger.violation = { ...v0, choices: [], labels: [], depth: 0 };
  return { runner, merger, indices: shardWalks(options.walks ?? 1000, options.shard), initViolation: v0 !== null };
}

/**
 * The swarm in this thread, walk after walk, as a generator that pauses
 * after the walk that completes each SLICE transitions, then polls
 * shouldStop (check() runs it straight through; checkAsync() and
 * walkSearch() let the event loop run at each pause).
 */
export function* walkSwarm<S, A>(model: Model<S, A>, options: WalkOptions): Generator<void, CheckResult> {
  const { runner, merger, indices, initViolation } = startSwarm(model, options);
  if (initViolation) return merger.result(options, false);
  let interrupted = false;
  let sinceYield = 0;
  for (const w of indices) {
    const r = runner.runWalk(w, () => (interrupted ||= options.shouldStop?.() === true));
    if (interrupted) break;
    if (merger.add(r)) break;
    merger.progress(options, indices.length);
    sinceYield += r.transitions + 1;
    if (sinceYield >= SLICE) {
      sinceYield = 0;
      yield;
      if (options.shouldStop?.() === true) interrupted = true;
      if (interrupted) break;
    }
  }
  return merger.result(options, interrupted);
}

/** walkSwarm(), letting the event loop run at each of its pauses. */
export async function walkSearch<S, A>(model: Model<S, A>, options: WalkOptions): Promise<CheckResult> {
  return runAsync(walkSwarm(model, options));
}

/** Walks per request to a worker. */
const CHUNK = 8;

/**
 * The swarm over `workers` worker threads, each building the model from
 * `spec`. Chunks of walk indices are handed out in increasing order to
 * whichever worker is free; the records are merged in walk order, so the
 * result is the one of walkSearch() for any number of workers.
 */
export async function walkSearchParallel<S, A>(model: Model<S, A>, spec: ModelSpec, options: WalkOptions, workers: number): Promise<CheckResult> {
  const { merger, indices, initViolation } = startSwarm(model, options);
  if (initViolation) return merger.result(options, false);
  const pool = new Pool(workers);
  const { onProgress: _p, shouldStop: _s, ...plain } = options;
  try {
    await pool.all(() => ({ cmd: 'walk-init', spec, options: plain }));
    const records = new Map<number, WalkRecord[]>();
    let nextChunk = 0;
    let mergedChunks = 0;
    /** Lowest chunk that holds a violating walk (no chunk after it is handed out; nor any once the merge is done). */
    let lastChunk = Infinity;
    let interrupted = false;
    const chunks = Math.ceil(indices.length / CHUNK);
    const mergeReady = (): void => {
      while (!merger.done && records.has(mergedChunks)) {
        for (const r of records.get(mergedChunks)!) if (merger.add(r)) break;
        records.delete(mergedChunks++);
        if (!merger.done) merger.progress(options, indices.length);
      }
    };
    const loop = async (w: number): Promise<void> => {
      while (!interrupted && !merger.done && nextChunk < chunks && nextChunk <= lastChunk) {
        const c = nextChunk++;
        const reply = await pool.request(w, { cmd: 'walks', walks: indices.slice(c * CHUNK, (c + 1) * CHUNK) });
        if (reply['interrupted'] === true) interrupted = true;
        const recs = reply['records'] as WalkRecord[];
        if (recs.some(r => r.violation !== null) && c < lastChunk) lastChunk = c;
        records.set(c, recs);
        if (options.shouldStop?.() === true) {
          interrupted = true;
          Atomics.store(pool.stop, 0, 1);
        }
        if (!interrupted) mergeReady();
      }
    };
    await Promise.all(Array.from({ length: workers }, (_, w) => loop(w)));
    if (interrupted) {
      // A partial report: whatever came back, in walk order.
      for (const c of [...records.keys()].sort((a, b) => a - b)) for (const r of records.get(c)!) if (!merger.done) merger.add(r);
    } else {
      mergeReady();
    }
    return merger.result(options, interrupted);
  } finally {
    await pool.close();
  }
}
