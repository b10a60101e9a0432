/**
 * The fill behind UFFDIO_COPY and UFFDIO_ZEROPAGE — mm/userfaultfd.c @ v6.18:
 * mfill_atomic(), uffd_mfill_lock() (the !CONFIG_PER_VMA_LOCK variant:
 * mmap_read_lock held across the whole fill), validate_dst_vma(),
 * mfill_atomic_pte_copy() / mfill_atomic_pte_zeropage() /
 * shmem_mfill_atomic_pte(), mfill_atomic_install_pte().
 *
 * Steps: take mmap_lock for read; then under it look up and validate the VMA,
 * re-check mmap_changing, and install the first page (PTL section: EEXIST
 * unless pte_none); one more step per further page; the step that ends the
 * fill also drops mmap_lock (uffd_mfill_unlock()).
 * Simplifications: the source buffer is always resident, so the -ENOENT
 * drop-locks-and-retry path of copy_from_user() is not taken; map_changing_lock
 * is folded into mmap_lock (the only producer modelled, munmap's
 * userfaultfd_unmap_prep(), raises mmap_changing under mmap_lock for write, so
 * the re-check here cannot see it change; with munmap the VMA is gone by then
 * and -ENOENT comes first); memcg, allocation failures and fatal signals are
 * not modelled.
 */
import type { KernelFn } from '../engine.js';
import { goTo, local, ret, setLocal } from '../engine.js';
import type { KernelState, Tid } from '../state.js';
import { mmapLockSteps, mmap_read_unlock } from '../kernel/rwsem.js';
import { ctxOf } from '../uffd/ctx.js';
import { vma_lookup } from './vma.js';

/** Install one page; returns null on success or the errno. */
function mfill_atomic_pte(d: KernelState, page: number, zeropage: boolean, content: number): string | null {
  const vma = vma_lookup(d, page);
  if (vma === null) return 'ENOENT';
  if (vma.kind === 'shmem') {
    // shmem_mfill_atomic_pte(): allocate, fill, shmem_add_to_page_cache() (-EEXIST if a folio is there), install.
    const cache = d.mm.page_cache[vma.area];
    const idx = vma.pgoff + (page - vma.start);
    if (cache === undefined || (cache[idx] ?? null) !== null) return 'EEXIST';
    if ((d.mm.pte[page] ?? null) !== null) return 'EEXIST';
    const value = zeropage ? 0 : content;
    cache[idx] = value;
    d.mm.pte[page] = { content: value, writable: true };
    d.expect[page] = value;
    return null;
  }
  // mfill_atomic_install_pte() (COPY) / mfill_atomic_pte_zeropage(): under the PTL, -EEXIST unless pte_none.
  if ((d.mm.pte[page] ?? null) !== null) return 'EEXIST';
  d.mm.pte[page] = zeropage ? { content: 0, writable: false } : { content, writable: true };
  d.expect[page] = zeropage ? 0 : content;
  return null;
}

/** Install page dst+copied; finish (unlock, return) on error or when all pages are done. */
function fillNext(d: KernelState, t: Tid): void {
  const dst = local<number>(d, t, 'dst');
  const len = local<number>(d, t, 'len');
  const copied = local<number>(d, t, 'copied');
  const err = mfill_atomic_pte(d, dst + copied, local<string>(d, t, 'mode') === 'zeropage', local<number>(d, t, 'content'));
  const done = err === null ? copied + 1 : copied;
  setLocal(d, t, 'copied', done);
  if (err !== null || done === len) {
    mmap_read_unlock(d, t); // uffd_mfill_unlock()
    ret(d, t, done > 0 ? done : err);
    return;
  }
  goTo(d, t, 'mfill_atomic_pte');
}

/** Locals: ctx, dst (page), len (pages), mode ('copy'|'zeropage'), content, copied. Returns pages filled (>0) or an errno. */
export const mfill_atomic: KernelFn = {
  name: 'mfill_atomic',
  cites: 'mm/userfaultfd.c: mfill_atomic()',
  entry: 'uffd_mfill_lock',
  steps: {
    ...mmapLockSteps('uffd_mfill_lock', false, 'validate_dst_vma', 'uffd_mfill_lock(): mmap_read_lock(dst_mm)'),
    validate_dst_vma: {
      doc: 'vma_lookup + validate_dst_vma (-ENOENT: no VMA, range past vm_end, or VMA not registered); mmap_changing re-check (-EAGAIN); install the first page',
      run: (d, t) => {
        const dst = local<number>(d, t, 'dst');
        const vma = vma_lookup(d, dst);
        if (vma === null || dst + local<number>(d, t, 'len') > vma.end || vma.uffd === null) {
          mmap_read_unlock(d, t);
          ret(d, t, 'ENOENT');
          return;
        }
        if (ctxOf(d, local<number>(d, t, 'ctx')).mmap_changing > 0) {
          mmap_read_unlock(d, t);
          ret(d, t, 'EAGAIN');
          return;
        }
        fillNext(d, t);
      },
    },
    mfill_atomic_pte: {
      doc: 'mfill_atomic_pte() for the next page: under the PTL, -EEXIST unless pte_none, else set_pte_at()',
      run: fillNext,
    },
  },
};
