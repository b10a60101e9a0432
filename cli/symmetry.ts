/**
 * Symmetry reduction for the userfaultfd model: threads with the same role
 * and the same program (ops list) are interchangeable. Renaming them — moving
 * each one's thread record to the other's index and replacing its tid
 * everywhere a tid is stored — maps a reachable state to a reachable state,
 * steps to steps, and keeps every property's verdict (the properties
 * quantify over all threads; names only appear in their messages). So the
 * checker need only explore one state per orbit: `symmetricEncoder` gives the
 * orbit's canonical text: the encoding of the state with each class's thread
 * records sorted by hash, or, when two records of a class are equal, the
 * smallest encoding over every permutation of each class.
 *
 * Exact and conservative: every field of the state that can hold a tid is
 * renamed below, and the `*_TIDS` tables must classify every field of
 * KernelState, UffdCtx and Mm (the compiler refuses a new field until it is
 * classified here). The kernel code treats a tid only as an identity (index
 * of s.threads, equality); frames' locals and return values hold no tids
 * (test/symmetry.test.ts checks that each renaming commutes with every step).
 * States with threads the scenario does not list (none today) are encoded
 * without permutation, which is sound (equal text still means symmetric
 * states), only less reduced.
 */
import { fingerprint64 } from '../checker/index.js';
import type { Scenario } from '../model/scenario.js';
import type { Ewq, KernelState, Mm, RwSem, Thread, Tid, UffdCtx, Uwq } from '../model/state.js';

/** How a field holds tids: 'none' (it holds none) or 'renamed' (renameState() rewrites it). */
type TidUse = 'none' | 'renamed';

export const STATE_TIDS = {
  mm: 'renamed', uffd: 'renamed', threads: 'renamed', expect: 'none', unmaps: 'renamed', events: 'renamed',
  next_event: 'none', fills_in_event: 'renamed', view: 'none', removing: 'renamed', forks: 'renamed', children: 'renamed',
} as const satisfies Record<keyof KernelState, TidUse>;

export const MM_TIDS = {
  vmas: 'none', pte: 'none', mmap_lock: 'renamed', page_cache: 'none', hugetlb_fault_mutexes: 'none', hugetlb_fault_mutex: 'renamed',
} as const satisfies Record<keyof Mm, TidUse>;

export const CTX_TIDS = {
  name: 'none', features: 'none', nonblock: 'none', released: 'none', mmap_changing: 'none', map_changing_lock: 'renamed',
  refile_seq: 'none', fault_pending_wqh: 'renamed', fault_wqh: 'renamed', refile_in_transit: 'renamed', fork_in_transit: 'renamed', event_wqh: 'renamed',
  fd_wqh: 'renamed', locks: 'renamed', refcount: 'none', file_refs: 'none', fd_open: 'none',
} as const satisfies Record<keyof UffdCtx, TidUse>;

/** Thread fields: the record moves as a whole; `name` stays with the index (it names the slot, not the behaviour). */
export const THREAD_TIDS = {
  name: 'none', role: 'none', does: 'none', task: 'none', frames: 'none', user: 'none',
} as const satisfies Record<keyof Thread, TidUse>;

/** `f`, memoised by object identity in `memo` (immer shares unchanged subtrees, so each is hashed once). */
export function memoised(memo: WeakMap<object, string>, f: (o: object) => string): (o: object) => string {
  return o => {
    let h = memo.get(o);
    if (h === undefined) {
      h = f(o);
      memo.set(o, h);
    }
    return h;
  };
}

/**
 * The classes of interchangeable threads (two or more each): same role and same ops.
 * A thread another thread's program names (spurious_wakeup's target) is nobody's twin.
 */
export function threadClasses(sc: Scenario): number[][] {
  const byProgram = new Map<string, number[]>();
  const named = new Set(sc.threads.flatMap(th => th.ops.flatMap(op => (op.op === 'spurious_wakeup' ? [op.thread] : []))));
  sc.threads.forEach((th, i) => {
    if (named.has(th.name)) return;
    const key = JSON.stringify([th.role, th.ops]);
    const c = byProgram.get(key);
    if (c === undefined) byProgram.set(key, [i]);
    else c.push(i);
  });
  return [...byProgram.values()].filter(c => c.length > 1);
}

function permutationsOf(xs: number[]): number[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutationsOf([...xs.slice(0, i), ...xs.slice(i + 1)]).map(p => [x, ...p]));
}

/**
 * Every renaming of `n` threads that permutes each class within itself, as
 * arrays `to` (tid t becomes to[t]), the identity first.
 */
export function renamings(n: number, classes: number[][]): number[][] {
  let out: number[][] = [[...Array(n).keys()]];
  for (const c of classes) {
    const perms = permutationsOf(c);
    out = out.flatMap(to => perms.map(p => {
      const next = [...to];
      c.forEach((t, i) => { next[t] = p[i]!; });
      return next;
    }));
  }
  return out;
}

function renameRwSem(l: RwSem, to: readonly number[]): RwSem {
  return {
    readers: l.readers.map(t => to[t]!).sort((a, b) => a - b),
    writer: l.writer === null ? null : to[l.writer]!,
    waiters: l.waiters.map(w => ({ tid: to[w.tid]!, write: w.write })),
  };
}

/** hugetlb_fault_mutex_table owners renamed; the entries stay sorted by hash (they do not depend on tids). */
function renameMutexes(m: Mm['hugetlb_fault_mutex'], to: readonly number[]): Mm['hugetlb_fault_mutex'] {
  return m.length === 0 ? m : m.map(x => ({ hash: x.hash, owner: to[x.owner]! }));
}

const renameUwq = (u: Uwq, to: readonly number[]): Uwq => ({ ...u, tid: to[u.tid]! });
const renameEwq = (e: Ewq, to: readonly number[]): Ewq => ({ ...e, tid: to[e.tid]! });
const renameHolder = (h: Tid | null, to: readonly number[]): Tid | null => (h === null ? null : to[h]!);
const withTid = <T extends { tid: Tid }>(xs: readonly T[], to: readonly number[]): T[] => xs.map(x => ({ ...x, tid: to[x.tid]! }));

function renameCtx(c: UffdCtx, to: readonly number[]): UffdCtx {
  return {
    ...c,
    map_changing_lock: renameRwSem(c.map_changing_lock, to),
    fault_pending_wqh: c.fault_pending_wqh.map(u => renameUwq(u, to)),
    fault_wqh: c.fault_wqh.map(u => renameUwq(u, to)),
    refile_in_transit: c.refile_in_transit === null ? null : renameUwq(c.refile_in_transit, to),
    fork_in_transit: c.fork_in_transit === null ? null : renameEwq(c.fork_in_transit, to),
    event_wqh: c.event_wqh.map(e => renameEwq(e, to)),
    fd_wqh: c.fd_wqh.map(t => to[t]!),
    locks: {
      fd_wqh: renameHolder(c.locks.fd_wqh, to), fault_pending_wqh: renameHolder(c.locks.fault_pending_wqh, to),
      fault_wqh: renameHolder(c.locks.fault_wqh, to), event_wqh: renameHolder(c.locks.event_wqh, to),
    },
  };
}

/**
 * The state with thread t renamed to[t]: thread records move to their new
 * index (keeping the names of the slots), every stored tid is rewritten, and
 * fields that hold no tid are shared with `s`. A plain state the model can
 * step (the symmetry test does).
 */
export function renameState(s: KernelState, to: readonly number[]): KernelState {
  const threads = s.threads.slice();
  s.threads.forEach((th, t) => { threads[to[t]!] = { ...th, name: s.threads[to[t]!]!.name }; });
  return {
    ...s,
    mm: { ...s.mm, mmap_lock: renameRwSem(s.mm.mmap_lock, to), hugetlb_fault_mutex: renameMutexes(s.mm.hugetlb_fault_mutex, to) },
    uffd: s.uffd.map(c => renameCtx(c, to)),
    threads,
    unmaps: withTid(s.unmaps, to),
    events: withTid(s.events, to),
    fills_in_event: withTid(s.fills_in_event, to),
    removing: withTid(s.removing, to),
    forks: withTid(s.forks, to),
    children: s.children.map(c => ({ ...c, parent_tid: to[c.parent_tid]! })),
  };
}

/**
 * The canonical text of a state's orbit: the smallest, over every renaming,
 * of an encoding that leaves out thread names (they name the slot). Its cost
 * follows what a step changed, as memoEncoder's: thread records and fields
 * without tids are hashed once per object and reused under every renaming;
 * only the (small) fields that hold tids are re-encoded per renaming.
 */
export function symmetricEncoder(sc: Scenario): ((s: KernelState) => string) | null {
  const classes = threadClasses(sc);
  if (classes.length === 0) return null;
  const n = sc.threads.length;
  const perms = renamings(n, classes).slice(1);
  const memo = new WeakMap<object, string>();
  const sub = memoised(memo, o => fingerprint64(JSON.stringify(o)));
  /** A thread record without its name (every other field, sorted keys). */
  const threadHash = memoised(memo, th => {
    const o = th as { [k: string]: unknown };
    let text = '';
    for (const k of Object.keys(o).sort()) if (k !== 'name') text += `${k}:${JSON.stringify(o[k])};`;
    return fingerprint64(text);
  });
  const tidFree = Object.keys(STATE_TIDS).filter(k => STATE_TIDS[k as keyof KernelState] === 'none').sort() as (keyof KernelState)[];
  const mmTidFree = Object.keys(MM_TIDS).filter(k => MM_TIDS[k as keyof Mm] === 'none').sort() as (keyof Mm)[];
  const part = (v: unknown): string => (typeof v === 'object' && v !== null ? sub(v) : JSON.stringify(v));
  /** A ctx holds no tid when its queues are empty and its locks free: every renaming leaves it as it is. */
  const ctxHoldsTids = (c: UffdCtx): boolean => c.fault_pending_wqh.length > 0 || c.fault_wqh.length > 0 || c.refile_in_transit !== null || c.fork_in_transit !== null
    || c.event_wqh.length > 0 || c.fd_wqh.length > 0 || c.locks.fd_wqh !== null || c.locks.fault_pending_wqh !== null
    || c.locks.fault_wqh !== null || c.locks.event_wqh !== null || c.map_changing_lock.writer !== null
    || c.map_changing_lock.readers.length > 0 || c.map_changing_lock.waiters.length > 0;
  /** The fields that hold tids, renamed by `to` (null: the identity); hashed as sub() hashes the unrenamed objects. */
  const tidPart = (s: KernelState, to: readonly number[] | null): string => {
    const hash = (o: object, renamed: () => object): string => (to === null ? sub(o) : fingerprint64(JSON.stringify(renamed())));
    let out = `L${hash(s.mm.mmap_lock, () => renameRwSem(s.mm.mmap_lock, to!))}`;
    if (s.mm.hugetlb_fault_mutex.length > 0) out += `H${hash(s.mm.hugetlb_fault_mutex, () => renameMutexes(s.mm.hugetlb_fault_mutex, to!))}`;
    out += 'U';
    for (const c of s.uffd) out += to === null || !ctxHoldsTids(c) ? sub(c) : hash(c, () => renameCtx(c, to));
    out += `M${hash(s.unmaps, () => withTid(s.unmaps, to!))}E${hash(s.events, () => withTid(s.events, to!))}`;
    out += `F${hash(s.fills_in_event, () => withTid(s.fills_in_event, to!))}R${hash(s.removing, () => withTid(s.removing, to!))}`;
    out += `K${hash(s.forks, () => withTid(s.forks, to!))}C${hash(s.children, () => s.children.map(c => ({ ...c, parent_tid: to![c.parent_tid]! })))}T`;
    if (to === null) for (const th of s.threads) out += threadHash(th);
    else {
      const order: Thread[] = s.threads.slice();
      s.threads.forEach((th, t) => { order[to[t]!] = th; });
      for (const th of order) out += threadHash(th);
    }
    return out;
  };
  return s => {
    let fixed = '';
    for (const k of tidFree) fixed += `${k}:${part(s[k])};`;
    for (const k of mmTidFree) fixed += `${k}:${part(s.mm[k])};`;
    if (s.threads.length !== n) return `${fixed}${tidPart(s, null)}`;
    const sorting = sortingRenaming(s);
    if (sorting !== undefined) return fixed + tidPart(s, sorting);
    let best = tidPart(s, null);
    for (const to of perms) {
      const t = tidPart(s, to);
      if (t < best) best = t;
    }
    return fixed + best;
  };
  /**
   * The renaming that orders each class's thread records by their hash (null:
   * the identity), or undefined when two records of a class hash equal. With
   * all records distinct, every state of an orbit is sorted into the same
   * state, so one renaming is enough; with ties, the smallest encoding over
   * every renaming is taken instead (rare: two threads in the same place).
   */
  function sortingRenaming(s: KernelState): number[] | null | undefined {
    let to: number[] | null = null;
    for (const c of classes) {
      const hs = c.map(t => threadHash(s.threads[t]!));
      const order = c.map((_, i) => i).sort((a, b) => (hs[a]! < hs[b]! ? -1 : hs[a]! > hs[b]! ? 1 : 0));
      for (let j = 0; j + 1 < order.length; j++) if (hs[order[j]!] === hs[order[j + 1]!]) return undefined;
      order.forEach((i, j) => {
        if (i !== j) {
          to ??= [...Array(n).keys()];
          to[c[i]!] = c[j]!; // the i-th thread of the class goes to the class's j-th slot
        }
      });
    }
    return to;
  }
}
