/**
 * The page-fault path up to handle_userfault() — arch/x86/mm/fault.c
 * do_user_addr_fault(), mm/memory.c handle_mm_fault() / do_anonymous_page() /
 * do_wp_page(), mm/shmem.c shmem_fault() / shmem_get_folio_gfp() @ v6.18.
 *
 * A hugetlb VMA goes to hugetlb_fault() (model/mm/hugetlb.ts).
 * Steps: take mmap_lock for read (lock_mm_and_find_vma()), then one step for
 * the PTL-protected decision: the pte is already there (nothing to do, or CoW
 * on a write to a read-only pte), the VMA is uffd-MISSING-armed and the page
 * is missing, or uffd-MINOR-armed (shmem) and the page is in the page cache
 * (call handle_userfault(), which drops mmap_lock itself), or an ordinary fault
 * (zero page for a read, a zeroed page for a write) followed by
 * mmap_read_unlock(). VM_FAULT_RETRY re-runs the fault with FAULT_FLAG_TRIED
 * (unbounded retries since v5.7).
 * Simplifications: the per-VMA-lock first attempt (lock_vma_under_rcu(),
 * CONFIG_PER_VMA_LOCK) is not modelled: both attempts take mmap_lock, as on
 * kernels built without it. The lockless pte pre-read in handle_pte_fault()
 * is folded into the PTL step, which re-checks it (vmf_pte_changed()).
 */
import type { Kernel, KernelFn } from '../engine.js';
import { call, goTo, local, ret, setLocal, top } from '../engine.js';
import type { KernelState, Tid } from '../state.js';
import { mmapLockSteps, mmap_read_unlock, noMmapLockWriter } from '../kernel/rwsem.js';
import { cachedFolioPte, changingPresentPte, linear_page_index, pteStable, userfaultfd_minor, userfaultfd_missing, vma_lookup } from './vma.js';
import { hugetlb_fault_mutex_hash } from './hugetlb.js';

function handle_mm_fault(d: KernelState, t: Tid, k: Kernel): void {
  const page = local<number>(d, t, 'page');
  const write = local<boolean>(d, t, 'write');
  const vma = vma_lookup(d, page);
  if (vma === null) {
    // bad_area(): no VMA. The access would SIGSEGV the process; the model ends the operation.
    mmap_read_unlock(d, t);
    ret(d, t, 'SIGSEGV');
    return;
  }
  if (vma.kind === 'hugetlb') {
    // handle_mm_fault() -> hugetlb_fault() (mm/hugetlb.c): everything from here on under the fault mutex.
    call(d, t, k, 'hugetlb_fault', {
      ctx: vma.uffd, page, write, tried: local<boolean>(d, t, 'tried'), hash: hugetlb_fault_mutex_hash(d, vma, page), vma_lock: false, reason: null,
    }, 'hugetlb_fault_done');
    return;
  }
  const pte = d.mm.pte[page] ?? null;
  if (pte !== null) {
    // handle_pte_fault() with a present pte: do_wp_page() for a write to a
    // read-only pte — wp_page_copy() (CoW: the zero page, or a MAP_PRIVATE
    // file page, becomes an anonymous copy) or, on a shared mapping,
    // wp_page_shared() (the same folio made writable); otherwise just the access-flag update.
    if (write && !pte.writable) {
      changingPresentPte(d);
      d.mm.pte[page] = { content: pte.content, writable: true, cache: pte.cache && vma.shared };
    }
    mmap_read_unlock(d, t);
    ret(d, t, 0);
    return;
  }
  if (vma.kind === 'anon') {
    // do_anonymous_page(): under the PTL, "Deliver the page fault to userland, check inside PT lock".
    if (userfaultfd_missing(vma)) {
      call(d, t, k, 'handle_userfault', { ctx: vma.uffd, page, write, reason: 'VM_UFFD_MISSING', must_wait: null, tried: local<boolean>(d, t, 'tried') }, 'fault_retry');
      return;
    }
    d.mm.pte[page] = write ? { content: 0, writable: true, cache: false } : { content: 0, writable: false, cache: false };
  } else {
    // do_read_fault() / do_cow_fault() / do_shared_fault() -> __do_fault() -> shmem_fault() ->
    // shmem_get_folio_gfp(): no folio and VM_UFFD_MISSING -> handle_userfault(vmf, VM_UFFD_MISSING);
    // a folio in the page cache and VM_UFFD_MINOR -> handle_userfault(vmf, VM_UFFD_MINOR) (a minor
    // fault: the page exists, only the pte is missing). (should_fault_around() is false for a
    // uffd-MINOR VMA, so fault-around never maps the page behind the monitor's back.)
    const cache = d.mm.page_cache[vma.file];
    if (cache === undefined) throw new Error(`[model bug] shmem VMA [${vma.start}, ${vma.end}) without a page cache`);
    const idx = linear_page_index(vma, page);
    const folio = cache[idx] ?? null;
    if (folio === null && userfaultfd_missing(vma)) {
      call(d, t, k, 'handle_userfault', { ctx: vma.uffd, page, write, reason: 'VM_UFFD_MISSING', must_wait: null, tried: local<boolean>(d, t, 'tried') }, 'fault_retry');
      return;
    }
    if (folio !== null && userfaultfd_minor(vma)) {
      call(d, t, k, 'handle_userfault', { ctx: vma.uffd, page, write, reason: 'VM_UFFD_MINOR', must_wait: null, tried: local<boolean>(d, t, 'tried') }, 'fault_retry');
      return;
    }
    // shmem_alloc_and_add_folio(): a zeroed folio joins the page cache.
    if (folio === null) cache[idx] = 0;
    const content = cache[idx] ?? 0;
    // finish_fault(): a shared mapping maps the folio writable (do_shared_fault()); a private one
    // maps it read-only on a read (do_read_fault()) or maps an anonymous copy on a write (do_cow_fault()).
    d.mm.pte[page] = cachedFolioPte(vma.shared, write, content);
  }
  mmap_read_unlock(d, t);
  ret(d, t, 0);
}

/** Locals: page, write, tried (FAULT_FLAG_TRIED: a retry). Returns 0 (retry the access), 'SIGSEGV' or 'SIGBUS'. */
export const do_user_addr_fault: KernelFn = {
  name: 'do_user_addr_fault',
  cites: 'arch/x86/mm/fault.c: do_user_addr_fault(); mm/memory.c: handle_mm_fault()',
  entry: 'lock_mm_and_find_vma',
  steps: {
    ...mmapLockSteps('lock_mm_and_find_vma', false, 'handle_mm_fault',
      'lock_mm_and_find_vma(): mmap_read_lock (again after VM_FAULT_RETRY, with FAULT_FLAG_TRIED)'),
    handle_mm_fault: {
      doc: 'handle_mm_fault(): under the PTL, pte present -> done (CoW if needed); uffd MISSING (no page) or MINOR (page cached, shmem) -> handle_userfault(); else map zero/new/cached page; mmap_read_unlock',
      // A read fault on a present pte nothing can change, outside hugetlb, with no mmap_lock writer:
      // it reads stable data and drops the read lock (model/kernel/rwsem.ts), so it commutes with every step.
      local: (s, t) => !local<boolean>(s, t, 'write') && noMmapLockWriter(s) && pteStable(s, local<number>(s, t, 'page')) &&
        vma_lookup(s, local<number>(s, t, 'page'))?.kind !== 'hugetlb',
      run: handle_mm_fault,
    },
    hugetlb_fault_done: {
      doc: 'hugetlb_fault() returned: 0 -> done (it dropped mmap_lock); VM_FAULT_RETRY / VM_FAULT_SIGBUS -> as after handle_userfault()',
      local: true,
      run: (d, t) => {
        const f = top(d, t);
        if (f.rv === 0) {
          ret(d, t, 0);
          return;
        }
        goTo(d, t, 'fault_retry');
      },
    },
    fault_retry: {
      doc: 'handle_userfault() returned: VM_FAULT_RETRY -> flags |= FAULT_FLAG_TRIED; goto retry (mmap_lock was dropped); VM_FAULT_SIGBUS -> do_sigbus()',
      local: true,
      run: (d, t) => {
        const f = top(d, t);
        if (f.rv === 'VM_FAULT_SIGBUS') {
          ret(d, t, 'SIGBUS');
          return;
        }
        f.rv = null;
        setLocal(d, t, 'tried', true);
        goTo(d, t, 'lock_mm_and_find_vma');
      },
    },
  },
};

