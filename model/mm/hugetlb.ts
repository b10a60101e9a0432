/**
 * hugetlb page faults and the hugetlb fault mutex — mm/hugetlb.c @ v6.18:
 * hugetlb_fault(), hugetlb_no_page(), hugetlb_handle_userfault(),
 * hugetlb_fault_mutex_hash(), hugetlb_vma_lock_read()/hugetlb_vma_unlock_read().
 * (The fill side, mfill_atomic_hugetlb() and hugetlb_mfill_atomic_pte(), is in
 * model/mm/mfill.ts; both serialise on the same mutexes.)
 *
 * Every model page of a hugetlb VMA is one huge page. hugetlb_fault() is
 * entered from handle_mm_fault() with mmap_lock held for read (v6.18 tries the
 * per-VMA lock first, lock_vma_under_rcu(); not modelled, as in model/mm/fault.ts):
 *   mutex_lock      mutex_lock(&hugetlb_fault_mutex_table[hash]); hugetlb_vma_lock_read(vma)
 *   hugetlb_no_page under the mutex: the pte (present: access flags, or hugetlb_wp() CoW on a
 *                   write to a read-only pte), else hugetlb_no_page(): no page-cache folio and
 *                   VM_UFFD_MISSING, or a folio and VM_UFFD_MINOR -> hugetlb_handle_userfault();
 *                   otherwise allocate (MAP_SHARED: into the page cache) or map the cached folio,
 *                   then hugetlb_vma_unlock_read(); mutex_unlock(); and (back in
 *                   do_user_addr_fault()) mmap_read_unlock(), folded into this step
 *   hugetlb_handle_userfault  hugetlb_vma_unlock_read(vma); mutex_unlock(); return handle_userfault()
 *
 * Simplifications: hugetlb_pte_stable()'s re-check under the PTL always
 * holds (a pte for (mapping, index) only changes under its fault mutex, held
 * here, since hugetlb zap paths are not modelled: the scenario refuses
 * munmap/mremap/madvise of hugetlb areas and fork); the hugetlb vma lock has no
 * writer in the model, so hugetlb_vma_lock_read() never waits: it is the ghost
 * local `vma_lock` of the frame (property no-sleep-holding-fault-mutex reads it);
 * the mutex is not FIFO (any waiter may take it once free, as with optimistic
 * spinning); reservations, i_size (SIGBUS) and allocation failures are not modelled.
 */
import type { Kernel, KernelFn, Step } from '../engine.js';
import { call, goTo, local, ret, setLocal, thread, top } from '../engine.js';
import type { KernelState, Pte, Tid, Vma } from '../state.js';
import { mmap_read_unlock } from '../kernel/rwsem.js';
import { cachedFolioPte, changingPresentPte, linear_page_index, userfaultfd_minor, userfaultfd_missing, vma_lookup } from './vma.js';

/** Model pages per hugetlb key: file * KEY_STRIDE + index (scenario areas have at most 64 pages). */
const KEY_STRIDE = 64;

/**
 * hugetlb_fault_mutex_hash(mapping, idx): the kernel jhash2()es (mapping,
 * idx) into num_fault_mutexes buckets; the model takes (file * 64 + idx) mod
 * the scenario's table size (0: no modulo, one mutex per huge page), so a
 * scenario chooses which pages collide.
 */
export function hugetlb_fault_mutex_hash(s: KernelState, v: Vma, page: number): number {
  const key = v.file * KEY_STRIDE + linear_page_index(v, page);
  const n = s.mm.hugetlb_fault_mutexes;
  return n === 0 ? key : key % n;
}

export function faultMutexOwner(s: KernelState, hash: number): Tid | null {
  return s.mm.hugetlb_fault_mutex.find(m => m.hash === hash)?.owner ?? null;
}

/** mutex_lock(&hugetlb_fault_mutex_table[hash]) once it is free (the step's guard checked it). */
export function fault_mutex_lock(d: KernelState, t: Tid, hash: number): void {
  const owner = faultMutexOwner(d, hash);
  if (owner !== null) throw new Error(`[model bug] ${thread(d, t).name} takes hugetlb_fault_mutex_table[${hash}] held by ${thread(d, owner).name}`);
  d.mm.hugetlb_fault_mutex.push({ hash, owner: t });
  d.mm.hugetlb_fault_mutex.sort((a, b) => a.hash - b.hash);
}

export function fault_mutex_unlock(d: KernelState, t: Tid, hash: number): void {
  const i = d.mm.hugetlb_fault_mutex.findIndex(m => m.hash === hash && m.owner === t);
  if (i < 0) throw new Error(`[model bug] ${thread(d, t).name} drops hugetlb_fault_mutex_table[${hash}] it does not hold`);
  d.mm.hugetlb_fault_mutex.splice(i, 1);
}

/** The fault mutexes thread t holds (hashes). */
export function faultMutexesHeld(s: KernelState, t: Tid): number[] {
  return s.mm.hugetlb_fault_mutex.filter(m => m.owner === t).map(m => m.hash);
}

/** Guard and waitsFor of a step that takes the fault mutex in local `hash`. */
export function faultMutexGuarded(): { guard: (s: KernelState, t: Tid) => boolean; waitsFor: (s: KernelState, t: Tid) => string } {
  return {
    guard: (s, t) => faultMutexOwner(s, local<number>(s, t, 'hash')) === null,
    waitsFor: (s, t) => {
      const hash = local<number>(s, t, 'hash');
      const owner = faultMutexOwner(s, hash);
      return `mutex hugetlb_fault_mutex_table[${hash}] held by ${owner === null ? 'nobody' : thread(s, owner).name}`;
    },
  };
}

/**
 * The step at which a fault or a fill takes the fault mutex in local `hash`:
 * mutex_lock(&hugetlb_fault_mutex_table[hash]); hugetlb_vma_lock_read(vma)
 * (ghost local `vma_lock`); then `next`.
 */
export function faultMutexLockStep(doc: string, next: string): Step {
  return {
    doc,
    ...faultMutexGuarded(),
    run: (d, t) => {
      fault_mutex_lock(d, t, local<number>(d, t, 'hash'));
      setLocal(d, t, 'vma_lock', true);
      goTo(d, t, next);
    },
  };
}

/** What hugetlb_no_page() maps, or null when it hands the fault to userfaultfd (reason in `reason`). */
function hugetlbNoPage(d: KernelState, v: Vma, page: number, write: boolean): { pte: Pte } | { reason: 'VM_UFFD_MISSING' | 'VM_UFFD_MINOR' } {
  const cache = d.mm.page_cache[v.file];
  if (cache === undefined) throw new Error(`[model bug] hugetlb VMA [${v.start}, ${v.end}) without a page cache`);
  const idx = linear_page_index(v, page);
  const folio = cache[idx] ?? null;
  if (folio === null) {
    // filemap_lock_hugetlb_folio() found nothing: "Check for page in userfault range".
    if (userfaultfd_missing(v)) return { reason: 'VM_UFFD_MISSING' };
    // alloc_hugetlb_folio(); folio_zero_user(); VM_MAYSHARE: hugetlb_add_to_page_cache(); else a new
    // anon folio. make_huge_pte(vma, folio, vm_flags & VM_SHARED): a private pte is read-only, and a
    // write then takes hugetlb_wp() at once ("do the COW without a second fault"), which reuses the
    // exclusive anon folio (writable).
    if (v.shared) {
      cache[idx] = 0;
      return { pte: { content: 0, writable: true, cache: true } };
    }
    return { pte: { content: 0, writable: write, cache: false } };
  }
  // The folio is in the page cache: "Check for page in userfault range." -> VM_UFFD_MINOR.
  if (userfaultfd_minor(v)) return { reason: 'VM_UFFD_MINOR' };
  // hugetlb_add_file_rmap(); shared: writable; private: read-only, and a write CoWs (hugetlb_wp()) into an anon copy.
  return { pte: cachedFolioPte(v.shared, write, folio) };
}

/** The end of a fault handled without userfaultfd: hugetlb_vma_unlock_read(); mutex_unlock(); (caller) mmap_read_unlock(). */
function unlockAll(d: KernelState, t: Tid): void {
  setLocal(d, t, 'vma_lock', false);
  fault_mutex_unlock(d, t, local<number>(d, t, 'hash'));
  mmap_read_unlock(d, t);
  ret(d, t, 0);
}

/**
 * Locals: ctx (the VMA's uffd, or null), page, write, tried, hash (the fault
 * mutex), vma_lock (ghost: holds the hugetlb vma lock for read), reason.
 * Returns 0 (handled; mmap_lock dropped) or handle_userfault()'s VM_FAULT_RETRY / VM_FAULT_SIGBUS.
 */
export const hugetlb_fault: KernelFn = {
  name: 'hugetlb_fault',
  cites: 'mm/hugetlb.c: hugetlb_fault(), hugetlb_no_page(), hugetlb_handle_userfault()',
  entry: 'mutex_lock',
  steps: {
    mutex_lock: faultMutexLockStep('hash = hugetlb_fault_mutex_hash(mapping, idx); mutex_lock(&hugetlb_fault_mutex_table[hash]); hugetlb_vma_lock_read(vma)', 'hugetlb_no_page'),
    hugetlb_no_page: {
      doc: 'huge_ptep_get(): present -> access flags, or hugetlb_wp() (CoW) on a write to a read-only pte; none -> hugetlb_no_page(): no folio and VM_UFFD_MISSING, or a folio and VM_UFFD_MINOR -> hugetlb_handle_userfault(); else allocate/map the folio; unlock vma lock, mutex, mmap_lock',
      run: (d, t) => {
        const page = local<number>(d, t, 'page');
        const write = local<boolean>(d, t, 'write');
        const v = vma_lookup(d, page);
        if (v === null) throw new Error('[model bug] hugetlb_fault() without a VMA (mmap_lock is held)');
        const pte = d.mm.pte[page] ?? null;
        if (pte !== null) {
          // hugetlb_fault(): a present pte. hugetlb_wp() on a write to a read-only pte: a shared
          // mapping makes the same folio writable; a private one copies (or reuses an exclusive anon folio).
          if (write && !pte.writable) {
            changingPresentPte(d);
            d.mm.pte[page] = { content: pte.content, writable: true, cache: pte.cache && v.shared };
          }
          unlockAll(d, t);
          return;
        }
        const r = hugetlbNoPage(d, v, page, write);
        if ('reason' in r) {
          setLocal(d, t, 'reason', r.reason);
          goTo(d, t, 'hugetlb_handle_userfault');
          return;
        }
        d.mm.pte[page] = r.pte;
        unlockAll(d, t);
      },
    },
    hugetlb_handle_userfault: {
      doc: '"vma_lock and hugetlb_fault_mutex must be dropped before handling userfault": hugetlb_vma_unlock_read(vma); mutex_unlock(&hugetlb_fault_mutex_table[hash]); return handle_userfault(vmf, reason)',
      run: (d, t, k) => {
        setLocal(d, t, 'vma_lock', false);
        fault_mutex_unlock(d, t, local<number>(d, t, 'hash'));
        callHandleUserfault(d, t, k);
      },
    },
    return: {
      doc: 'return handle_userfault()\'s VM_FAULT_RETRY (or VM_FAULT_SIGBUS) to handle_mm_fault()',
      local: true,
      run: (d, t) => ret(d, t, top(d, t).rv),
    },
  },
};

/** handle_userfault(vmf, reason) from hugetlb_handle_userfault(), continuing at `return`. */
export function callHandleUserfault(d: KernelState, t: Tid, k: Kernel): void {
  call(d, t, k, 'handle_userfault', {
    ctx: local<number>(d, t, 'ctx'), page: local<number>(d, t, 'page'), write: local<boolean>(d, t, 'write'),
    reason: local<string>(d, t, 'reason'), must_wait: null, tried: local<boolean>(d, t, 'tried'),
  }, 'return');
}
