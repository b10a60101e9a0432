/**
 * madvise(2) MADV_DONTNEED and MADV_REMOVE — mm/madvise.c @ v6.18:
 * do_madvise(), madvise_lock() (mmap_read_lock: this model's config has no
 * per-VMA locks), madvise_walk_vmas(), madvise_dontneed_free(),
 * madvise_remove(); fs/userfaultfd.c userfaultfd_remove().
 *
 *   madvise_lock            mmap_read_lock(mm)
 *   madvise_walk_vmas       next VMA meeting [cur, end); a hole -> remember -ENOMEM; range clipped to the VMA
 *   userfaultfd_remove      ctx with UFFD_FEATURE_EVENT_REMOVE? userfaultfd_ctx_get(); else no event
 *   down_write(map_changing_lock)  down_write; atomic_inc(&ctx->mmap_changing); up_write (one step once granted)
 *   mmap_read_unlock        mmap_read_unlock(mm), then userfaultfd_event_wait_completion(REMOVE{start, end})
 *   mmap_read_lock          MADV_DONTNEED: mmap_read_lock again, vma_lookup(start) (-ENOMEM if gone), clip end
 *   zap_page_range_single   MADV_DONTNEED: zap the ptes (anon: the page is gone; shmem: the page cache keeps it)
 *   vfs_fallocate           MADV_REMOVE: (lock dropped) punch a hole in the file: page cache and every pte of it
 *
 * A REMOVE event carries the range clipped to one VMA (one event per VMA),
 * unlike UNMAP. The event is raised under mmap_lock for *read*, so fills may
 * run alongside; map_changing_lock orders the increment against a fill's
 * check-to-install window.
 * Simplifications: VM_LOCKED/VM_PFNMAP/hugetlb checks are not modelled (the
 * scenario's mappings have none of them); MADV_REMOVE on a private or anon
 * mapping returns -EINVAL (no vm_file) as the kernel does; no -EINTR/-EAGAIN.
 */
import type { KernelFn } from '../engine.js';
import { call, goTo, local, ret, setLocal } from '../engine.js';
import type { KernelState, RemoveMsg, Tid } from '../state.js';
import { mmapLockSteps, mmap_read_unlock, rwsemSteps, up_write } from '../kernel/rwsem.js';
import { ctxOf } from '../uffd/ctx.js';
import { mmapChangingInc, removeDone } from '../uffd/event.js';
import { changingPresentPte } from './vma.js';

export const EVENT_REMOVE = 'UFFD_FEATURE_EVENT_REMOVE';

function finish(d: KernelState, t: Tid, err: string | null): void {
  if (err !== null) setLocal(d, t, 'error', err);
  goTo(d, t, 'madvise_unlock');
}

/** The ctx userfaultfd_remove() raises an event on for the current range, or null. */
function removeCtx(s: KernelState, t: Tid): number | null {
  const v = s.mm.vmas.find(x => x.start <= local<number>(s, t, 'r_start') && local<number>(s, t, 'r_start') < x.end);
  if (v === undefined || v.uffd === null) return null;
  return ctxOf(s, v.uffd).features.includes(EVENT_REMOVE) ? v.uffd : null;
}

/** Locals: start, end, advice, cur, r_start, r_end, ctx, id, error. Returns 0 or an errno name. */
export const do_madvise: KernelFn = {
  name: 'do_madvise',
  cites: 'mm/madvise.c: do_madvise(), madvise_walk_vmas(), madvise_dontneed_free(), madvise_remove(); fs/userfaultfd.c: userfaultfd_remove()',
  entry: 'madvise_lock',
  steps: {
    ...mmapLockSteps('madvise_lock', false, 'madvise_walk_vmas', 'madvise_lock(): mmap_read_lock(mm)'),
    madvise_walk_vmas: {
      doc: 'madvise_walk_vmas(): find_vma(cur); a hole before it -> unmapped_error = -ENOMEM; none left -> done; clip [cur, end) to the VMA; MADV_REMOVE needs a shared file mapping (-EINVAL without vm_file)',
      local: true, // VMAs only change under mmap_lock for write, excluded while this thread reads them
      run: (d, t) => {
        const cur = local<number>(d, t, 'cur');
        const end = local<number>(d, t, 'end');
        const v = cur < end ? d.mm.vmas.find(x => x.end > cur && x.start < end) : undefined;
        if (v === undefined) {
          finish(d, t, cur < end ? 'ENOMEM' : null);
          return;
        }
        if (v.start > cur) setLocal(d, t, 'error', 'ENOMEM');
        if (local<string>(d, t, 'advice') === 'MADV_REMOVE' && !(v.kind === 'shmem' && v.shared)) {
          finish(d, t, 'EINVAL');
          return;
        }
        setLocal(d, t, 'r_start', Math.max(cur, v.start));
        setLocal(d, t, 'r_end', Math.min(end, v.end));
        goTo(d, t, 'userfaultfd_remove');
      },
    },
    userfaultfd_remove: {
      doc: 'userfaultfd_remove(vma, start, end): no ctx or no UFFD_FEATURE_EVENT_REMOVE -> return true (no event); else userfaultfd_ctx_get(ctx)',
      local: true,
      run: (d, t) => {
        const ctx = removeCtx(d, t);
        setLocal(d, t, 'ctx', ctx);
        if (local<string>(d, t, 'advice') === 'MADV_REMOVE') {
          // madvise_remove(): offset into the file, computed (and the file pinned: get_file()) before mmap_lock is dropped.
          const v = d.mm.vmas.find(x => x.start <= local<number>(d, t, 'r_start') && local<number>(d, t, 'r_start') < x.end)!;
          setLocal(d, t, 'f_area', v.file);
          setLocal(d, t, 'f_first', v.pgoff + (local<number>(d, t, 'r_start') - v.start));
        }
        if (ctx === null) {
          goTo(d, t, local<string>(d, t, 'advice') === 'MADV_REMOVE' ? 'mmap_read_unlock' : 'zap_page_range_single');
          return;
        }
        ctxOf(d, ctx).refcount += 1;
        goTo(d, t, 'down_write(map_changing_lock)');
      },
    },
    ...rwsemSteps('map_changing_lock', 'down_write(map_changing_lock)', true, 'mmap_read_unlock',
      'down_write(&ctx->map_changing_lock); atomic_inc(&ctx->mmap_changing); up_write(&ctx->map_changing_lock)',
      (d, t) => {
        const ctx = local<number>(d, t, 'ctx');
        setLocal(d, t, 'id', mmapChangingInc(d, ctx, 'REMOVE', t));
        up_write(d, t, ctxOf(d, ctx).map_changing_lock, 'map_changing_lock');
      }),
    mmap_read_unlock: {
      doc: 'mmap_read_unlock(mm) (userfaultfd_remove(), or madvise_remove() when no event was raised); with an event: msg = REMOVE{start, end}; userfaultfd_event_wait_completion()',
      run: (d, t, k) => {
        mmap_read_unlock(d, t);
        const ctx = local<number | null>(d, t, 'ctx');
        const next = local<string>(d, t, 'advice') === 'MADV_REMOVE' ? 'vfs_fallocate' : 'mmap_read_lock';
        if (ctx === null) {
          goTo(d, t, next);
          return;
        }
        const msg: RemoveMsg = { event: 'UFFD_EVENT_REMOVE', start: local<number>(d, t, 'r_start'), end: local<number>(d, t, 'r_end'), address: 0, flags: 0 };
        call(d, t, k, 'userfaultfd_event_wait_completion', { ctx, msg: { ...msg }, id: local<number>(d, t, 'id') }, next);
      },
    },
    ...mmapLockSteps('mmap_read_lock', false, 'vma_lookup', 'madvise_dontneed_free() after userfaultfd_remove() returned false (or madvise_remove() after the punch): mmap_read_lock(mm)'),
    vma_lookup: {
      doc: 'MADV_DONTNEED: vma = vma_lookup(mm, start) (-ENOMEM if gone); end = min(end, vma->vm_end). MADV_REMOVE: back to the walk',
      local: true,
      run: (d, t) => {
        if (local<string>(d, t, 'advice') === 'MADV_REMOVE') {
          goTo(d, t, 'madvise_walk_vmas');
          return;
        }
        const start = local<number>(d, t, 'r_start');
        const v = d.mm.vmas.find(x => x.start <= start && start < x.end);
        if (v === undefined) {
          finish(d, t, 'ENOMEM');
          return;
        }
        setLocal(d, t, 'r_end', Math.min(local<number>(d, t, 'r_end'), v.end));
        goTo(d, t, 'zap_page_range_single');
      },
    },
    zap_page_range_single: {
      doc: 'madvise_dontneed_single_vma(): zap_page_range_single() over [start, end) (anon: the pages are freed; shmem: the page cache keeps them)',
      run: (d, t) => {
        const s = local<number>(d, t, 'r_start');
        const e = local<number>(d, t, 'r_end');
        const v = d.mm.vmas.find(x => x.start <= s && s < x.end)!;
        for (let p = s; p < e; p++) {
          // An anonymous page (anon, or a MAP_PRIVATE file page's CoW copy) is gone; a shared
          // file page stays in the page cache. (A private CoW copy's address then refaults the
          // file page: the ghost forgets, as it does not track the file's content.)
          if (v.kind === 'anon' || !(v.shared || (d.mm.pte[p]?.cache ?? false))) d.expect[p] = null;
          if ((d.mm.pte[p] ?? null) !== null) changingPresentPte(d);
          d.mm.pte[p] = null;
        }
        setLocal(d, t, 'cur', e);
        removeDone(d, t);
        goTo(d, t, 'madvise_walk_vmas');
      },
    },
    vfs_fallocate: {
      doc: 'madvise_remove(): vfs_fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) -> shmem_fallocate(): drop the folios of the range from the page cache and unmap them from every mapping of the file; then mmap_read_lock again',
      run: (d, t) => {
        const s = local<number>(d, t, 'r_start');
        const e = local<number>(d, t, 'r_end');
        const area = local<number>(d, t, 'f_area');
        const first = local<number>(d, t, 'f_first');
        const last = first + (e - s);
        const cache = d.mm.page_cache[area];
        if (cache !== undefined) for (let i = first; i < last && i < cache.length; i++) cache[i] = null;
        for (const m of d.mm.vmas.filter(x => x.kind === 'shmem' && x.file === area)) {
          for (let p = m.start; p < m.end; p++) {
            const idx = m.pgoff + (p - m.start);
            // unmap_mapping_range(even_cows = 0): a MAP_PRIVATE mapping keeps its CoW copies.
            if (idx >= first && idx < last && (m.shared || (d.mm.pte[p]?.cache ?? true))) {
              if ((d.mm.pte[p] ?? null) !== null) changingPresentPte(d);
              d.mm.pte[p] = null;
              d.expect[p] = null;
            }
          }
        }
        setLocal(d, t, 'cur', e);
        removeDone(d, t);
        goTo(d, t, 'mmap_read_lock');
      },
    },
    madvise_unlock: {
      doc: 'madvise_unlock(): mmap_read_unlock(mm); return the error (the first hole -> -ENOMEM) or 0',
      run: (d, t) => {
        mmap_read_unlock(d, t);
        removeDone(d, t);
        ret(d, t, local<string | number>(d, t, 'error'));
      },
    },
  },
};
