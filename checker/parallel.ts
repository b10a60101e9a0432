/**
 * Exhaustive breadth-first search over K partitions (worker threads, or one
 * in-process partition for K = 1), level by level.
 *
 * - Each state is owned by the partition `fingerprint mod K`, which keeps
 *   the visited set of its states (fingerprints only).
 * - A level's states stay with the partition that generated them, as long
 *   as it holds no more than its share (plus a tenth); the others move to
 *   the least loaded partitions. Each partition judges its states, then expands them;
 *   every successor's fingerprint goes to its owner, which drops those seen
 *   at an earlier level and, among the level's duplicates, keeps the one
 *   with the smallest (parent rank, action index). The coordinator merges
 *   the owners' sorted lists: the merged position is the state's rank at the
 *   new level, and it keeps each rank's (parent rank, action index) to
 *   rebuild a counterexample path. A kept successor that moves is sent by
 *   the partition that generated it (structured clone over a MessagePort).
 *
 * Ranks order each level by the lexicographic order of the states' paths,
 * which is the order in which the sequential BFS (explore.ts) discovers
 * them. So the kept states, the counterexample (the violation with the
 * smallest path at the first level that has one) and its path are the
 * sequential BFS's, for any K. One difference: a whole level is judged
 * before the search stops, so with a violation the state and transition
 * counts include the rest of its level and are larger than the sequential
 * search's (but equal for every K). With maxStates the bound is checked
 * after each level (the count may pass it by up to one level).
 *
 * Workers build their own model from a ModelSpec (checker/pool.ts).
 */
import type { MessagePort } from 'node:worker_threads';
import type { CheckOptions, CheckResult, Violation } from './explore.js';
import { SLICE } from './explore.js';
import { fingerprintAt, FingerprintSet, NEW as FRESH } from './table.js';
import { Judge, labelsOf, makeResult, stateKey } from './judge.js';
import type { Model } from './model.js';
import { Pool, type ModelSpec, type Reply } from './pool.js';
import type { StateViolation } from './properties.js';

/** The sequential search's bounds and hooks (CheckOptions), plus the number of partitions. */
export type ParallelOptions = Pick<CheckOptions, 'maxDepth' | 'maxStates' | 'symmetry' | 'onProgress' | 'shouldStop'> & {
  /** Number of partitions (worker threads when above 1), at least 1. */
  workers: number;
};

/** The plain (cloneable) options a partition needs. */
interface PartitionOptions { workers: number; maxDepth: number | null; symmetry: boolean }

/** Partition replies. */
interface JudgeReply extends Reply {
  /** The partition's smallest-rank violating state of the level, if any. */
  violation: (StateViolation & { rank: number }) | null;
  goals: number[];
  /** States kept for expansion; states at maxDepth with enabled actions. */
  frontier: number;
  cut: number;
  interrupted?: boolean;
}
interface ExpandReply extends Reply { buckets: Int32Array[]; transitions: number; interrupted: boolean }
interface DedupReply extends Reply { fresh: Int32Array; bytes: number }

/** Fields per successor in an expand bucket: h1, h2, parent rank, action index, candidate index. */
const CAND = 5;
/** Fields per new state in a dedup reply: parent rank, action index, generator partition, candidate index. */
const NEW = 4;

/** One partition: its visited set, its share of the level, the successors it generated. */
export class Partition<S, A> {
  private readonly visited = new FingerprintSet();
  private readonly key: (s: S) => string;
  private readonly judge: Judge<S>;
  private frontier: S[] = [];
  private frontierRanks: number[] = [];
  private frontierActions: (readonly A[])[] = [];
  private candidates: S[] = [];
  private depth = 0;
  /** Ships from peers for the next level: states and ranks, per message. */
  private inbox: { states: S[]; ranks: number[] }[] = [];
  private wake: (() => void) | null = null;

  constructor(
    private readonly model: Model<S, A>,
    private readonly index: number,
    private readonly options: PartitionOptions,
    private readonly stop: () => boolean,
    private readonly peers: (MessagePort | undefined)[] = [],
  ) {
    this.key = stateKey(model, options.symmetry);
    const init = model.init();
    this.judge = new Judge(model as Model<S, unknown>, init);
    const h = new Int32Array(2);
    fingerprintAt(this.key(init), h, 0);
    if (ownerOf(h[0]!, options.workers) === index) this.visited.addFingerprint(h[0]!, h[1]!);
    if (index === 0) {
      this.frontier = [init];
      this.frontierRanks = [0];
    }
    for (const port of peers) {
      port?.on('message', (m: { states: S[]; ranks: number[] }) => {
        this.inbox.push(m);
        this.wake?.();
      });
    }
  }

  async handle(msg: { cmd: string; [k: string]: unknown }): Promise<Omit<Reply, 'id'>> {
    switch (msg['cmd']) {
      case 'bfs-judge': return this.judgeLevel();
      case 'bfs-expand': return this.expand();
      case 'bfs-dedup': return this.dedup(msg['buckets'] as Int32Array[]);
      case 'bfs-ship': return this.ship(msg['ship'] as Int32Array);
      default: throw new Error(`unknown command ${String(msg['cmd'])}`);
    }
  }

  /** Judges this partition's share of the level; keeps the states to expand. */
  private judgeLevel(): Omit<JudgeReply, 'id'> {
    const { model, judge } = this;
    const maxDepth = this.options.maxDepth ?? Infinity;
    let violation: JudgeReply['violation'] = null;
    const states: S[] = [];
    const ranks: number[] = [];
    const actions: (readonly A[])[] = [];
    let cut = 0;
    for (let i = 0; i < this.frontier.length; i++) {
      const s = this.frontier[i]!;
      const en = model.actions(s);
      const v = judge.judge(s, en.length);
      if (v !== null && (violation === null || this.frontierRanks[i]! < violation.rank)) violation = { ...v, rank: this.frontierRanks[i]! };
      if (en.length === 0) continue;
      if (this.depth >= maxDepth) { cut++; continue; }
      states.push(s);
      ranks.push(this.frontierRanks[i]!);
      actions.push(en);
    }
    this.frontier = states;
    this.frontierRanks = ranks;
    this.frontierActions = actions;
    return { violation, goals: judge.reachedIndices(), frontier: states.length, cut };
  }

  /** Steps every state of the share; buckets each successor's fingerprint for its owner. */
  private async expand(): Promise<Omit<ExpandReply, 'id'>> {
    const { model, key } = this;
    const k = this.options.workers;
    const buckets: number[][] = Array.from({ length: k }, () => []);
    const h = new Int32Array(2);
    const candidates: S[] = [];
    const thisLevel = new FingerprintSet();
    let transitions = 0;
    let interrupted = false;
    outer: for (let i = 0; i < this.frontier.length; i++) {
      const s = this.frontier[i]!;
      const en = this.frontierActions[i]!;
      for (let j = 0; j < en.length; j++) {
        if (++transitions % SLICE === 0) {
          await new Promise<void>(resolve => setImmediate(resolve));
          if (this.stop()) { interrupted = true; break outer; }
        }
        const t = model.step(s, en[j]!);
        fingerprintAt(key(t), h, 0);
        const owner = ownerOf(h[0]!, k);
        // Keep no successor that is surely not new: one this partition owns and saw at an earlier
        // level, or one it generated already at this level (that one came first: its key is smaller).
        if (owner === this.index && this.visited.hasFingerprint(h[0]!, h[1]!)) continue;
        if (thisLevel.addFingerprint(h[0]!, h[1]!) !== FRESH) continue;
        buckets[owner]!.push(h[0]!, h[1]!, this.frontierRanks[i]!, j, candidates.length);
        candidates.push(t);
      }
    }
    this.candidates = candidates;
    this.frontier = [];
    this.frontierActions = [];
    this.frontierRanks = [];
    this.depth++;
    return { buckets: buckets.map(b => Int32Array.from(b)), transitions, interrupted };
  }

  /** Keeps the successors this partition owns and has not seen; sorted by (parent rank, action index). */
  private dedup(buckets: Int32Array[]): Omit<DedupReply, 'id'> {
    /** The level's new fingerprints, each valued with its index in `best` (transient: one level's worth). */
    const level = new FingerprintSet(Infinity, true);
    /** Per new state of the level: the best (smallest) candidate, as [rank, action, generator, candidate]. */
    const best: number[] = [];
    for (let g = 0; g < buckets.length; g++) {
      const b = buckets[g]!;
      for (let i = 0; i < b.length; i += CAND) {
        if (level.addFingerprint(b[i]!, b[i + 1]!) === FRESH) {
          if (this.visited.addFingerprint(b[i]!, b[i + 1]!) !== FRESH) {
            level.setValue(-1); // seen at an earlier level
            continue;
          }
          level.setValue(best.length / NEW);
        }
        const id = level.value();
        if (id < 0) continue;
        const at = id * NEW;
        const r = b[i + 2]!;
        const j = b[i + 3]!;
        if (at === best.length) best.push(r, j, g, b[i + 4]!);
        else if (r < best[at]! || (r === best[at]! && j < best[at + 1]!)) {
          best[at] = r;
          best[at + 1] = j;
          best[at + 2] = g;
          best[at + 3] = b[i + 4]!;
        }
      }
    }
    const n = best.length / NEW;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((x, y) => best[x * NEW]! - best[y * NEW]! || best[x * NEW + 1]! - best[y * NEW + 1]!);
    const fresh = new Int32Array(n * NEW);
    for (let i = 0; i < n; i++) for (let f = 0; f < NEW; f++) fresh[i * NEW + f] = best[order[i]! * NEW + f]!;
    return { fresh, bytes: this.visited.bytes };
  }

  /**
   * Sends the kept successors to the partitions that expand them (`ship`:
   * candidate index, destination, rank), waits for the peers' shipments,
   * then judges the new share.
   */
  private async ship(ship: Int32Array): Promise<Omit<JudgeReply, 'id'>> {
    const k = this.options.workers;
    const out: { states: S[]; ranks: number[] }[] = Array.from({ length: k }, () => ({ states: [], ranks: [] }));
    for (let i = 0; i < ship.length; i += 3) {
      const o = out[ship[i + 1]!]!;
      o.states.push(this.candidates[ship[i]!]!);
      o.ranks.push(ship[i + 2]!);
    }
    this.candidates = [];
    for (let p = 0; p < k; p++) if (p !== this.index) this.peers[p]!.postMessage(out[p]);
    while (this.inbox.length < k - 1) await new Promise<void>(resolve => { this.wake = resolve; });
    this.wake = null;
    const parts = [out[this.index]!, ...this.inbox.splice(0, k - 1)];
    const states = parts.flatMap(p => p.states);
    const ranks = parts.flatMap(p => p.ranks);
    const order = ranks.map((_, i) => i).sort((x, y) => ranks[x]! - ranks[y]!);
    this.frontier = order.map(i => states[i]!);
    this.frontierRanks = order.map(i => ranks[i]!);
    return this.judgeLevel();
  }
}

/** The partition that owns a fingerprint. */
function ownerOf(h1: number, k: number): number {
  return (h1 >>> 0) % k;
}

/** How the coordinator talks to its partitions: worker threads, or one partition in this thread. */
interface Partitions {
  all(msg: (w: number) => { cmd: string; [k: string]: unknown }): Promise<Reply[]>;
  close(): Promise<void>;
}

/**
 * Parallel BFS of `model` (the coordinator's copy: it judges nothing, it
 * rebuilds and labels the counterexample). With workers > 1 each worker
 * builds its model from `spec`.
 */
export async function parallelBfs<S, A>(model: Model<S, A>, spec: ModelSpec | null, options: ParallelOptions): Promise<CheckResult> {
  const k = options.workers;
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`workers must be a positive integer, got ${k}`);
  if (options.maxDepth !== undefined && !(Number.isInteger(options.maxDepth) && options.maxDepth >= 0)) throw new RangeError(`maxDepth must be a non-negative integer, got ${options.maxDepth}`);
  if (options.maxStates !== undefined && !(Number.isInteger(options.maxStates) && options.maxStates >= 1)) throw new RangeError(`maxStates must be a positive integer, got ${options.maxStates}`);
  if (k > 1 && spec === null) throw new RangeError('parallel BFS with workers > 1 needs a ModelSpec (workers build their own model)');
  const plain: PartitionOptions = { workers: k, maxDepth: options.maxDepth ?? null, symmetry: options.symmetry === true };
  let parts: Partitions;
  let stopFlag: Int32Array;
  if (k === 1) {
    stopFlag = new Int32Array(1);
    const p = new Partition(model, 0, plain, () => stopFlag[0] === 1);
    parts = { all: async msg => [{ id: 0, ...(await p.handle(msg(0))) }], close: async () => {} };
  } else {
    const pool = new Pool(k);
    stopFlag = pool.stop;
    const mesh = pool.mesh();
    try {
      await Promise.all(mesh.map((ports, w) => pool.request(w, { cmd: 'bfs-init', spec, options: plain, peers: ports }, ports.filter(p => p !== undefined))));
    } catch (e) {
      await pool.close();
      throw e;
    }
    parts = { all: msg => pool.all(msg), close: () => pool.close() };
  }
  // The partitions poll the flag while they expand; this timer raises it on shouldStop.
  const timer = setInterval(() => { if (options.shouldStop?.() === true) Atomics.store(stopFlag, 0, 1); }, 50);
  try {
    return await coordinate(model, parts, options);
  } finally {
    clearInterval(timer);
    await parts.close();
  }
}

async function coordinate<S, A>(model: Model<S, A>, parts: Partitions, options: ParallelOptions): Promise<CheckResult> {
  const k = options.workers;
  const init = model.init();
  const judge = new Judge(model as Model<S, unknown>, init);
  /** Per level >= 1: each rank's parent rank and action index. */
  const parents: Int32Array[] = [];
  const vias: Int32Array[] = [];
  let states = 1;
  let transitions = 0;
  let deepest = 0;
  let cut = 0;
  let bytes = 0;
  let interrupted = false;
  let hitMaxStates = false;
  let violation: Violation | null = null;
  const stopNow = (): boolean => (interrupted ||= options.shouldStop?.() === true);
  let judged = await parts.all(() => ({ cmd: 'bfs-judge' })) as JudgeReply[];
  for (let depth = 0; ; depth++) {
    for (const r of judged) {
      for (const g of r.goals) judge.mark(g);
      cut += r.cut;
      if (r.interrupted === true) interrupted = true;
    }
    const v = judged.map(r => r.violation).filter(x => x !== null).sort((a, b) => a.rank - b.rank)[0];
    if (v !== undefined) {
      const choices: number[] = [];
      for (let level = depth, rank = v.rank; level > 0; level--) {
        choices.push(vias[level - 1]![rank]!);
        rank = parents[level - 1]![rank]!;
      }
      choices.reverse();
      const { rank: _rank, ...sv } = v;
      violation = { ...sv, choices, labels: labelsOf(model, choices), depth: choices.length };
      break;
    }
    const frontier = judged.reduce((n, r) => n + r.frontier, 0);
    options.onProgress?.({ states, transitions, depth, frontier });
    if (frontier === 0 || stopNow()) break;
    const expanded = await parts.all(() => ({ cmd: 'bfs-expand' })) as ExpandReply[];
    for (const r of expanded) {
      transitions += r.transitions;
      if (r.interrupted) interrupted = true;
    }
    if (interrupted) break;
    const deduped = await parts.all(o => ({ cmd: 'bfs-dedup', buckets: expanded.map(r => r.buckets[o]!) })) as DedupReply[];
    bytes = deduped.reduce((n, r) => n + r.bytes, 0);
    // Merge the owners' sorted lists: merged position = rank at depth + 1.
    const n = deduped.reduce((m, r) => m + r.fresh.length / NEW, 0);
    if (n === 0) break;
    states += n;
    deepest = depth + 1;
    const parent = new Int32Array(n);
    const via = new Int32Array(n);
    const gen = new Int32Array(n);
    const cand = new Int32Array(n);
    const ships: number[][] = Array.from({ length: k }, () => []);
    const at = deduped.map(() => 0);
    for (let rank = 0; rank < n; rank++) {
      let o = -1;
      for (let c = 0; c < k; c++) {
        const f = deduped[c]!.fresh;
        const i = at[c]!;
        if (i >= f.length) continue;
        if (o < 0) { o = c; continue; }
        const g = deduped[o]!.fresh;
        const j = at[o]!;
        if (f[i]! < g[j]! || (f[i] === g[j] && f[i + 1]! < g[j + 1]!)) o = c;
      }
      const f = deduped[o]!.fresh;
      const i = at[o]!;
      at[o] = i + NEW;
      parent[rank] = f[i]!;
      via[rank] = f[i + 1]!;
      gen[rank] = f[i + 2]!;
      cand[rank] = f[i + 3]!;
    }
    // Who expands each new state: where it was generated (no copy), unless that partition
    // already has its share of the level (plus a tenth); the rest go to the least loaded.
    // Any assignment gives the same result; this one is deterministic, and moves few states.
    const cap = Math.ceil((n / k) * 1.1);
    const load = new Array<number>(k).fill(0);
    const dest = new Int32Array(n).fill(-1);
    for (let rank = 0; rank < n; rank++) {
      const g = gen[rank]!;
      if (load[g]! < cap) {
        dest[rank] = g;
        load[g]!++;
      }
    }
    for (let rank = 0; rank < n; rank++) {
      if (dest[rank] !== -1) continue;
      let least = 0;
      for (let w = 1; w < k; w++) if (load[w]! < load[least]!) least = w;
      dest[rank] = least;
      load[least]!++;
    }
    for (let rank = 0; rank < n; rank++) ships[gen[rank]!]!.push(cand[rank]!, dest[rank]!, rank);
    parents.push(parent);
    vias.push(via);
    if (options.maxStates !== undefined && states > options.maxStates) {
      hitMaxStates = true;
      break;
    }
    judged = await parts.all(g => ({ cmd: 'bfs-ship', ship: Int32Array.from(ships[g]!) })) as JudgeReply[];
  }
  const bound = interrupted ? 'interrupted' : hitMaxStates ? 'max-states' : cut > 0 ? 'max-depth' : null;
  return makeResult({
    strategy: 'bfs', bound, states, transitions, maxDepth: deepest, violation, goals: judge.goals as never, reached: judge.reached,
    visitedBytes: bytes, traceBytes: parents.reduce((m, p) => m + 2 * p.byteLength, 0),
  });
}
