/**
 * The fill behind UFFDIO_COPY, UFFDIO_ZEROPAGE and UFFDIO_CONTINUE —
 * mm/userfaultfd.c @ v6.18: mfill_atomic(), uffd_mfill_lock() (the
 * !CONFIG_PER_VMA_LOCK variant: mmap_read_lock held across the whole fill),
 * validate_dst_vma(), mfill_atomic_pte_copy() / mfill_atomic_pte_zeropage() /
 * shmem_mfill_atomic_pte() / mfill_atomic_pte_continue(), mfill_atomic_install_pte().
 *
 * Steps: take mmap_lock for read; look up and validate the VMA (-ENOENT);
 * down_read(&ctx->map_changing_lock) and, in the same step once it is held,
 * re-check mmap_changing (-EAGAIN) and install the first page (PTL section:
 * EEXIST unless pte_none); one more step per further page; the step that ends
 * the fill drops map_changing_lock and mmap_lock (uffd_mfill_unlock()).
 * Folding the re-check into the lock step is exact: while the fill holds
 * map_changing_lock for read no prep can raise mmap_changing (preps raise it
 * under down_write), and the only other writer, the atomic_dec at an event's
 * end, commutes with taking the lock.
 * hugetlb VMAs go to mfill_atomic_hugetlb(): per huge page, take its fault
 * mutex (mutex_lock(&hugetlb_fault_mutex_table[hash]) and hugetlb_vma_lock_read()),
 * then hugetlb_mfill_atomic_pte() and drop both.
 * Simplifications: the source buffer is always resident, so the -ENOENT
 * drop-locks-and-retry path of copy_from_user() (mfill_atomic_hugetlb()'s
 * `goto retry`: uffd_mfill_lock() again (-ENOENT: no VMA, range past vm_end,
 * not registered), -ENOENT if the VMA is no longer hugetlb, -EINVAL if its huge
 * page size changed, then down_read(map_changing_lock) and the mmap_changing
 * re-check (-EAGAIN)) is not taken; memcg,
 * allocation failures and fatal signals are not modelled.
 *
 * Ghost: `seen` (the events of the ctx in flight at the fill's last
 * mmap_changing check) and, at each install while an event of the ctx is in
 * flight, a FillInEvent record (property no-fill-during-event); each
 * installed page joins the monitor view.
 */
import type { KernelFn, Step } from '../engine.js';
import { goTo, local, ret, setLocal, top } from '../engine.js';
import type { KernelState, Tid, Vma } from '../state.js';
import { noThreadDoes } from '../state.js';
import { mmapLockSteps, mmap_read_unlock, noMmapLockWriter, rwsemSteps, up_read } from '../kernel/rwsem.js';
import { ctxOf } from '../uffd/ctx.js';
import { EVENT_OPS, eventsInFlight, viewAdd } from '../uffd/event.js';
import { linear_page_index, pteStable, storeToFile, vma_lookup } from './vma.js';
import { fault_mutex_unlock, faultMutexLockStep, hugetlb_fault_mutex_hash } from './hugetlb.js';

/** MFILL_ATOMIC_COPY, MFILL_ATOMIC_ZEROPAGE, MFILL_ATOMIC_CONTINUE (include/linux/userfaultfd_k.h). */
export type FillMode = 'copy' | 'zeropage' | 'continue';

/** Ghost bookkeeping after ctx's fill installed `page` (see the header). */
function noteInstall(d: KernelState, t: Tid, ctx: number, page: number): void {
  viewAdd(d, ctx, page);
  const inFlight = eventsInFlight(d, ctx);
  if (inFlight.length > 0) {
    d.fills_in_event.push({ tid: t, ctx, page, at_install: inFlight.map(e => ({ id: e.id, kind: e.kind })), at_check: local<number[]>(d, t, 'seen') });
  }
}

/** uffd_mfill_unlock() and up_read(&ctx->map_changing_lock) at the end of the fill. */
function unlockFill(d: KernelState, t: Tid): void {
  up_read(d, t, ctxOf(d, local<number>(d, t, 'ctx')).map_changing_lock, 'map_changing_lock');
  mmap_read_unlock(d, t);
}

/**
 * The fill's first page is an anon (or MAP_PRIVATE) pte that is present for
 * good (pteStable()), so the step below ends in -EEXIST, and nothing it does
 * is seen by another thread: no thread can queue an event (so
 * map_changing_lock has no writer, mmap_changing stays 0 and the ghost `seen`
 * is empty) and none can take mmap_lock for write (the VMAs stay as they are,
 * and up_read() commutes with every step: model/kernel/rwsem.ts). A COPY of a
 * page that is already there, as a monitor racing a background copier does.
 */
function firstPageExists(s: KernelState, t: Tid): boolean {
  if (!noThreadDoes(s, EVENT_OPS) || !noMmapLockWriter(s)) return false;
  const dst = local<number>(s, t, 'dst');
  const vma = vma_lookup(s, dst);
  if (vma === null || vma.kind === 'hugetlb' || (vma.kind === 'shmem' && vma.shared) || local<FillMode>(s, t, 'mode') === 'continue') return false;
  if (local<boolean>(s, t, 'wp') && !vma.uffd_flags.includes('VM_UFFD_WP')) return false;
  return pteStable(s, dst);
}

/**
 * down_read(&ctx->map_changing_lock), then (check = true) the mmap_changing
 * re-check and the first page; check = false is variant no-recheck-under-lock.
 */
export function mapChangingLockSteps(check: boolean, privateReadOnly = true): { [label: string]: Step } {
  const steps = rwsemSteps('map_changing_lock', 'down_read(map_changing_lock)', false, 'mfill_atomic_pte',
    check
      ? 'down_read(&ctx->map_changing_lock); if (atomic_read(&ctx->mmap_changing)) -> -EAGAIN; MFILL_ATOMIC_WP on a VMA without VM_UFFD_WP -> -EINVAL; CONTINUE on a VMA that is not shmem -> -EINVAL; install the first page'
      : '(patched) down_read(&ctx->map_changing_lock); no mmap_changing re-check; MFILL_ATOMIC_WP on a VMA without VM_UFFD_WP -> -EINVAL; CONTINUE on a VMA that is not shmem -> -EINVAL; install the first page',
    (d, t) => {
      if (check) {
        const ctx = local<number>(d, t, 'ctx');
        setLocal(d, t, 'seen', eventsInFlight(d, ctx).map(e => e.id));
        if (ctxOf(d, ctx).mmap_changing > 0) {
          unlockFill(d, t);
          ret(d, t, 'EAGAIN');
          return;
        }
      }
      // mfill_atomic(): "validate 'mode' now that we know the dst_vma: don't allow a wrprotect copy if the userfaultfd didn't register as WP".
      const vma = vma_lookup(d, local<number>(d, t, 'dst'));
      if (local<boolean>(d, t, 'wp') && !(vma?.uffd_flags.includes('VM_UFFD_WP') ?? false)) {
        unlockFill(d, t);
        ret(d, t, 'EINVAL');
        return;
      }
      // "If this is a HUGETLB vma, pass off to appropriate routine": mfill_atomic_hugetlb().
      if (vma?.kind === 'hugetlb') {
        mfill_atomic_hugetlb(d, t, vma, privateReadOnly);
        return;
      }
      // "if (!vma_is_shmem(dst_vma) && uffd_flags_mode_is(flags, MFILL_ATOMIC_CONTINUE)) goto out_unlock" (-EINVAL).
      if (local<FillMode>(d, t, 'mode') === 'continue' && vma?.kind !== 'shmem') {
        unlockFill(d, t);
        ret(d, t, 'EINVAL');
        return;
      }
      fillNext(d, t, privateReadOnly);
    });
  const label = 'down_read(map_changing_lock)';
  return { ...steps, [label]: { ...steps[label]!, local: firstPageExists } };
}

/**
 * mfill_atomic_hugetlb()'s checks before its page loop (map_changing_lock and
 * mmap_lock held): "There is no default zero huge page" -> MFILL_ATOMIC_ZEROPAGE
 * is -EINVAL; "Validate alignment based on huge page size": dst_start or len
 * not huge-page aligned -> -EINVAL (local `misaligned`, set from a raw_ioctl's
 * bytes). Then the first page's fault mutex.
 */
function mfill_atomic_hugetlb(d: KernelState, t: Tid, vma: Vma, privateReadOnly: boolean): void {
  if (local<FillMode>(d, t, 'mode') === 'zeropage' || top(d, t).locals['misaligned'] === true) {
    unlockFill(d, t);
    ret(d, t, 'EINVAL');
    return;
  }
  setLocal(d, t, 'private_ro', privateReadOnly);
  setLocal(d, t, 'hash', hugetlb_fault_mutex_hash(d, vma, local<number>(d, t, 'dst')));
  goTo(d, t, 'hugetlb_fault_mutex_lock');
}

/**
 * One huge page of mfill_atomic_hugetlb(), under its fault mutex: for COPY,
 * "!huge_pte_none_mostly()" -> -EEXIST; then hugetlb_mfill_atomic_pte():
 * CONTINUE: filemap_lock_hugetlb_folio() — none -> -EFAULT; COPY on a shared
 * mapping: hugetlbfs_pagecache_present() -> -EEXIST, else a new folio joins
 * the page cache (hugetlb_add_to_page_cache()); COPY on a private one: a new
 * anon folio. Under the PTL: -EEXIST unless the pte is none; make_huge_pte()
 * with writable = !wp_enabled && !(is_continue && !vm_shared).
 * Returns null on success or the errno.
 */
function hugetlb_mfill_atomic_pte(d: KernelState, t: Tid, ctx: number, page: number, mode: FillMode, content: number, wp: boolean, privateReadOnly: boolean): string | null {
  const vma = vma_lookup(d, page);
  if (vma === null) throw new Error('[model bug] mfill_atomic_hugetlb() without its VMA (mmap_lock is held)');
  const present = (d.mm.pte[page] ?? null) !== null;
  if (mode !== 'continue' && present) return 'EEXIST';
  const cache = d.mm.page_cache[vma.file];
  if (cache === undefined) throw new Error('[model bug] hugetlb VMA without a page cache');
  const idx = linear_page_index(vma, page);
  if (mode === 'continue') {
    const folio = cache[idx] ?? null;
    if (folio === null) return 'EFAULT';
    if (present) return 'EEXIST';
    d.mm.pte[page] = { content: folio, writable: !wp && (vma.shared || !privateReadOnly), cache: true };
  } else if (vma.shared) {
    if ((cache[idx] ?? null) !== null) return 'EEXIST';
    d.mm.pte[page] = { content, writable: !wp, cache: true };
    storeToFile(d, vma.file, idx, content);
  } else {
    d.mm.pte[page] = { content, writable: !wp, cache: false };
    d.expect[page] = content;
  }
  noteInstall(d, t, ctx, page);
  return null;
}

/** mfill_atomic_hugetlb()'s page loop: take the page's fault mutex, then fill it and drop the mutex. */
const hugetlbFillSteps: { [label: string]: Step } = {
  hugetlb_fault_mutex_lock: faultMutexLockStep('idx = linear_page_index(); hash = hugetlb_fault_mutex_hash(mapping, idx); mutex_lock(&hugetlb_fault_mutex_table[hash]); hugetlb_vma_lock_read(dst_vma)', 'hugetlb_mfill_atomic_pte'),
  hugetlb_mfill_atomic_pte: {
    doc: 'COPY: pte not none -> -EEXIST; hugetlb_mfill_atomic_pte() (CONTINUE: no folio -> -EFAULT; COPY shared: folio cached -> -EEXIST; PTL: pte not none -> -EEXIST; install); hugetlb_vma_unlock_read(); mutex_unlock(); next page, or on error/at the end up_read(map_changing_lock) and uffd_mfill_unlock()',
    run: (d, t) => {
      const next = local<number>(d, t, 'dst') + local<number>(d, t, 'copied');
      const err = hugetlb_mfill_atomic_pte(d, t, local<number>(d, t, 'ctx'), next, local<FillMode>(d, t, 'mode'), local<number>(d, t, 'content'), local<boolean>(d, t, 'wp'), local<boolean>(d, t, 'private_ro'));
      setLocal(d, t, 'vma_lock', false);
      fault_mutex_unlock(d, t, local<number>(d, t, 'hash'));
      if (fillCounted(d, t, err)) return;
      setLocal(d, t, 'hash', hugetlb_fault_mutex_hash(d, vma_lookup(d, next + 1)!, next + 1));
      goTo(d, t, 'hugetlb_fault_mutex_lock');
    },
  },
};

/** The per-page step of mfill_atomic(); privateReadOnly = false: variant continue-private-writable. */
export function mfillPteStep(privateReadOnly: boolean): Step {
  return {
    doc: privateReadOnly ? 'mfill_atomic_pte() for the next page: under the PTL, -EEXIST unless pte_none, else set_pte_at()'
      : '(patched) mfill_atomic_pte() for the next page; CONTINUE maps a MAP_PRIVATE folio writable',
    run: (d, t) => fillNext(d, t, privateReadOnly),
  };
}

/** Install one page; returns null on success or the errno. */
function mfill_atomic_pte(d: KernelState, t: Tid, ctx: number, page: number, mode: FillMode, content: number, wp: boolean, privateReadOnly: boolean): string | null {
  const vma = vma_lookup(d, page);
  if (vma === null) return 'ENOENT';
  if (mode === 'continue') {
    // mfill_atomic_pte_continue(): shmem_get_folio(SGP_NOALLOC) — no folio -> -EFAULT; then
    // mfill_atomic_install_pte(page_in_cache = true): -EEXIST unless pte_none; "if (page_in_cache &&
    // !vm_shared) writable = false": on a MAP_PRIVATE mapping the folio is mapped read-only, so a
    // later write CoWs. The page's content is whatever the file holds: CONTINUE writes nothing.
    const folio = d.mm.page_cache[vma.file]?.[linear_page_index(vma, page)] ?? null;
    if (folio === null) return 'EFAULT';
    if ((d.mm.pte[page] ?? null) !== null) return 'EEXIST';
    d.mm.pte[page] = { content: folio, writable: (vma.shared || !privateReadOnly) && !wp, cache: true };
    noteInstall(d, t, ctx, page);
    return null;
  }
  const value = mode === 'zeropage' ? 0 : content;
  if (vma.kind === 'shmem' && vma.shared) {
    // shmem_mfill_atomic_pte(): allocate, fill, shmem_add_to_page_cache() (-EEXIST if a folio is there), install.
    const cache = d.mm.page_cache[vma.file];
    const idx = linear_page_index(vma, page);
    if (cache === undefined || (cache[idx] ?? null) !== null) return 'EEXIST';
    if ((d.mm.pte[page] ?? null) !== null) return 'EEXIST';
    d.mm.pte[page] = { content: value, writable: !wp, cache: true }; // MFILL_ATOMIC_WP: installed write-protected
    storeToFile(d, vma.file, idx, value);
    noteInstall(d, t, ctx, page);
    return null;
  }
  // Anon, or a MAP_PRIVATE shmem mapping ("we'll generate anonymous memory directly without actually
  // filling the hole"): mfill_atomic_pte_copy() -> mfill_atomic_install_pte() / mfill_atomic_pte_zeropage():
  // under the PTL, -EEXIST unless pte_none.
  if ((d.mm.pte[page] ?? null) !== null) return 'EEXIST';
  d.mm.pte[page] = mode === 'zeropage' ? { content: 0, writable: false, cache: false } : { content, writable: !wp, cache: false }; // MFILL_ATOMIC_WP: installed write-protected
  d.expect[page] = value;
  noteInstall(d, t, ctx, page);
  return null;
}

/**
 * Install page dst+copied; finish (unlock, return) on error or when all pages are done.
 * privateReadOnly = false is variant continue-private-writable (CONTINUE maps a MAP_PRIVATE folio writable).
 */
function fillNext(d: KernelState, t: Tid, privateReadOnly = true): void {
  const next = local<number>(d, t, 'dst') + local<number>(d, t, 'copied');
  const err = mfill_atomic_pte(d, t, local<number>(d, t, 'ctx'), next, local<FillMode>(d, t, 'mode'), local<number>(d, t, 'content'), local<boolean>(d, t, 'wp'), privateReadOnly);
  if (!fillCounted(d, t, err)) goTo(d, t, 'mfill_atomic_pte');
}

/**
 * After the page at dst+copied was filled (err null) or failed: count it; on
 * an error or once every page is done, unlock and return the pages filled
 * (or the errno if none) and say true; else false (the caller goes on).
 */
function fillCounted(d: KernelState, t: Tid, err: string | null): boolean {
  const copied = local<number>(d, t, 'copied');
  const done = err === null ? copied + 1 : copied;
  setLocal(d, t, 'copied', done);
  if (err === null && done < local<number>(d, t, 'len')) return false;
  unlockFill(d, t);
  ret(d, t, done > 0 ? done : err);
  return true;
}

/**
 * Locals: ctx, dst (page), len (pages), mode ('copy'|'zeropage'|'continue'), content, wp (UFFDIO_COPY_MODE_WP),
 * misaligned (hugetlb: a raw range not huge-page aligned), copied, seen (ghost); hugetlb: hash, vma_lock, private_ro.
 * Returns pages filled (>0) or an errno.
 */
export const mfill_atomic: KernelFn = {
  name: 'mfill_atomic',
  cites: 'mm/userfaultfd.c: mfill_atomic()',
  entry: 'uffd_mfill_lock',
  steps: {
    ...mmapLockSteps('uffd_mfill_lock', false, 'validate_dst_vma', 'uffd_mfill_lock(): mmap_read_lock(dst_mm)'),
    validate_dst_vma: {
      doc: 'uffd_mfill_lock(): vma_lookup + validate_dst_vma (-ENOENT: no VMA, range past vm_end, or VMA not registered)',
      local: true, // VMAs only change under mmap_lock for write, excluded while this thread holds it for read
      run: (d, t) => {
        const dst = local<number>(d, t, 'dst');
        const vma = vma_lookup(d, dst);
        if (vma === null || dst + local<number>(d, t, 'len') > vma.end || vma.uffd === null) {
          goTo(d, t, 'uffd_mfill_unlock');
          return;
        }
        goTo(d, t, 'down_read(map_changing_lock)');
      },
    },
    uffd_mfill_unlock: {
      doc: 'uffd_mfill_unlock(): mmap_read_unlock(mm); return -ENOENT',
      local: noMmapLockWriter, // see model/kernel/rwsem.ts
      run: (d, t) => {
        mmap_read_unlock(d, t);
        ret(d, t, 'ENOENT');
      },
    },
    ...mapChangingLockSteps(true),
    mfill_atomic_pte: mfillPteStep(true),
    ...hugetlbFillSteps,
  },
};
