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
import { IdentityMemo } from './memo.js';
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
 * follows what a step changed: every hash is memoised by object identity
 * (immer shares unchanged subtrees), per renaming for the fields that hold
 * tids, and a thread record's hash is made of its frames' hashes, so a step
 * that changes the top frame re-hashes that frame only.
 */
export function symmetricEncoder(sc: Scenario): ((s: KernelState) => string) | null {
  const classes = threadClasses(sc);
  if (classes.length === 0) return null;
  const n = sc.threads.length;
  /** Every renaming, the identity first; a renaming's index names it below. */
  const all = renamings(n, classes);
  const indexOf = new Map(all.map((to, i) => [to.join(','), i]));
  const tidFree = Object.keys(STATE_TIDS).filter(k => STATE_TIDS[k as keyof KernelState] === 'none').sort() as (keyof KernelState)[];
  const mmTidFree = Object.keys(MM_TIDS).filter(k => MM_TIDS[k as keyof Mm] === 'none').sort() as (keyof Mm)[];
  const threadFields = Object.keys(THREAD_TIDS).filter(k => k !== 'name').sort() as (keyof Thread)[];
  // Slots of the memos (cli/memo.ts): one per call site.
  const MM_SLOT = tidFree.length;
  const LOCK_SLOT = MM_SLOT + mmTidFree.length;
  const LIST_SLOT = { unmaps: LOCK_SLOT + 1, events: LOCK_SLOT + 2, fills_in_event: LOCK_SLOT + 3, removing: LOCK_SLOT + 4, forks: LOCK_SLOT + 5 } as const;
  const CHILDREN_SLOT = LOCK_SLOT + 6;
  const MUTEX_SLOT = LOCK_SLOT + 7;
  const CTX_SLOT = 16;
  if (MUTEX_SLOT >= CTX_SLOT) throw new Error(`symmetricEncoder: field slots (${MUTEX_SLOT + 1}) run into the ctx slots (${CTX_SLOT}): raise CTX_SLOT`);
  const FRAME_SLOT = 32;
  const FRAMES_PER_THREAD = 8;
  const plain = new IdentityMemo(o => fingerprint64(JSON.stringify(o)));
  const part = (slot: number, v: unknown): string => (typeof v === 'object' && v !== null ? plain.get(slot, v) : JSON.stringify(v));
  /** Per renaming: the hash of `rename(o, to)`, memoised by o; the identity's is the plain hash. */
  const renamed = (rename: (o: never, to: readonly number[]) => unknown): IdentityMemo[] =>
    all.map((to, i) => (i === 0 ? plain : new IdentityMemo(o => fingerprint64(JSON.stringify(rename(o as never, to))))));
  const rwsemH = renamed(renameRwSem);
  const mutexH = renamed(renameMutexes);
  const ctxH = renamed(renameCtx);
  const listH = renamed((xs: readonly { tid: Tid }[], to) => withTid(xs, to));
  const childrenH = renamed((cs: KernelState['children'], to) => cs.map(c => ({ ...c, parent_tid: to[c.parent_tid]! })));
  /** A thread record's fields other than frames, each in its own slot (a shared slot would evict one field's hash with another's). */
  const fields = new IdentityMemo(o => fingerprint64(JSON.stringify(o)));
  /** A thread record without its name: every other field (sorted), its frames hashed one by one. */
  let threadSlot = 0;
  const threads = new IdentityMemo(o => {
    const th = o as Thread;
    const base = FRAME_SLOT + threadSlot * FRAMES_PER_THREAD;
    let text = '';
    for (let f = 0; f < threadFields.length; f++) {
      const k = threadFields[f]!;
      if (k === 'frames') {
        text += 'frames:';
        for (let j = 0; j < th.frames.length; j++) text += plain.get(base + Math.min(j, FRAMES_PER_THREAD - 1), th.frames[j]!);
        text += ';';
      } else {
        const v = th[k];
        text += `${k}:${typeof v === 'object' && v !== null ? fields.get(threadSlot * threadFields.length + f, v) : JSON.stringify(v)};`;
      }
    }
    return fingerprint64(text);
  });
  const threadHash = (s: KernelState, t: number): string => {
    threadSlot = t;
    return threads.get(t, s.threads[t]!);
  };
  /** The fields that hold tids, renamed by all[r]. */
  const tidPart = (s: KernelState, r: number): string => {
    const list = listH[r]!;
    let out = `L${rwsemH[r]!.get(LOCK_SLOT, s.mm.mmap_lock)}`;
    if (s.mm.hugetlb_fault_mutex.length > 0) out += `H${mutexH[r]!.get(MUTEX_SLOT, s.mm.hugetlb_fault_mutex)}`;
    out += 'U';
    for (let c = 0; c < s.uffd.length; c++) out += ctxH[r]!.get(CTX_SLOT + c, s.uffd[c]!);
    out += `M${list.get(LIST_SLOT.unmaps, s.unmaps)}E${list.get(LIST_SLOT.events, s.events)}F${list.get(LIST_SLOT.fills_in_event, s.fills_in_event)}`;
    out += `R${list.get(LIST_SLOT.removing, s.removing)}K${list.get(LIST_SLOT.forks, s.forks)}C${childrenH[r]!.get(CHILDREN_SLOT, s.children)}T`;
    if (r === 0) {
      for (let t = 0; t < s.threads.length; t++) out += threadHash(s, t);
    } else {
      const to = all[r]!;
      const order: string[] = new Array<string>(s.threads.length);
      for (let t = 0; t < s.threads.length; t++) order[to[t]!] = threadHash(s, t);
      for (const h of order) out += h;
    }
    return out;
  };
  return s => {
    let fixed = '';
    for (let i = 0; i < tidFree.length; i++) fixed += `${tidFree[i]}:${part(i, s[tidFree[i]!])};`;
    for (let i = 0; i < mmTidFree.length; i++) fixed += `${mmTidFree[i]}:${part(MM_SLOT + i, s.mm[mmTidFree[i]!])};`;
    if (s.threads.length !== n) return `${fixed}${tidPart(s, 0)}`;
    const sorting = sortingRenaming(s);
    if (sorting >= 0) return fixed + tidPart(s, sorting);
    let best = tidPart(s, 0);
    for (let r = 1; r < all.length; r++) {
      const t = tidPart(s, r);
      if (t < best) best = t;
    }
    return fixed + best;
  };
  /**
   * The index of the renaming that orders each class's thread records by
   * their hash (0: the identity), or -1 when two records of a class hash
   * equal. With all records distinct, every state of an orbit is sorted into
   * the same state, so one renaming is enough; with ties, the smallest
   * encoding over every renaming is taken instead (rare: two threads in the
   * same place).
   */
  function sortingRenaming(s: KernelState): number {
    if (classes.every(c => increasing(s, c))) return 0; // already sorted: the identity, without allocating
    let to = null as number[] | null;
    for (const c of classes) {
      const hs = c.map(t => threadHash(s, t));
      const order = c.map((_, i) => i).sort((a, b) => (hs[a]! < hs[b]! ? -1 : hs[a]! > hs[b]! ? 1 : 0));
      for (let j = 0; j + 1 < order.length; j++) if (hs[order[j]!] === hs[order[j + 1]!]) return -1;
      order.forEach((i, j) => {
        if (i !== j) {
          to ??= [...Array(n).keys()];
          to[c[i]!] = c[j]!; // the i-th thread of the class goes to the class's j-th slot
        }
      });
    }
    return to === null ? 0 : indexOf.get(to.join(','))!;
  }

  /** Whether the thread records of class `c` have strictly increasing hashes in `s`. */
  function increasing(s: KernelState, c: readonly number[]): boolean {
    for (let j = 0; j + 1 < c.length; j++) if (!(threadHash(s, c[j]!) < threadHash(s, c[j + 1]!))) return false;
    return true;
  }
}
