/**
 * munmap(2) — mm/mmap.c __vm_munmap(); mm/vma.c do_vmi_munmap(),
 * do_vmi_align_munmap(), vms_gather_munmap_vmas(), vms_complete_munmap_vmas();
 * fs/userfaultfd.c userfaultfd_unmap_prep(), has_unmap_ctx(),
 * userfaultfd_unmap_complete() @ v6.18.
 *
 *   mmap_write_lock_killable  mmap_write_lock (no signals: never -EINTR)
 *   vms_gather_munmap_vmas    split the boundary VMAs, detach every VMA in range (local: under the write lock)
 *   userfaultfd_unmap_prep    one step per detached VMA, in address order: skip (no ctx, no EVENT_UNMAP,
 *                             or has_unmap_ctx()) or ctx refcount++, mmap_changing++, append {ctx, start, end} to uf
 *   vms_complete_munmap_vmas  remove the VMAs, zap their ptes, drop mmap_lock
 *   userfaultfd_unmap_complete  for each uf entry in list order: userfaultfd_event_wait_completion(ctx, UNMAP{start, end})
 *
 * The range is the whole munmap() range: every entry (one per ctx, thanks to
 * has_unmap_ctx()) carries it, not the VMA's bounds.
 * Simplifications: the v6.9+ down_write(&ctx->map_changing_lock) around the
 * increment is folded (this model's fills hold mmap_lock for read from their
 * mmap_changing check to their end, which the munmap write lock already
 * excludes); mmap_write_downgrade() before the pte zap is folded (VMAs removed,
 * ptes zapped and the lock dropped in one step: a reader let in by the
 * downgrade would find no VMA either way); no allocation failures (-ENOMEM),
 * no mmap_lock-free fast paths, no page-table freeing or accounting.
 */
import type { KernelFn } from '../engine.js';
import { call, goTo, local, ret, setLocal, thread } from '../engine.js';
import type { KernelState, Tid, UnmapMsg } from '../state.js';
import { mmapLockSteps, mmap_write_unlock } from '../kernel/rwsem.js';
import { ctxOf } from '../uffd/ctx.js';
import { noFiller } from '../uffd/event.js';
import { splitAt, vmasIn } from './vma.js';

export const EVENT_UNMAP = 'UFFD_FEATURE_EVENT_UNMAP';

/** One entry of the uf list: struct userfaultfd_unmap_ctx. */
export type UnmapCtx = { ctx: number; start: number; end: number };

/** has_unmap_ctx(ctx, unmaps, start, end): an entry with the same ctx and range is already on the list. */
export function has_unmap_ctx(uf: readonly UnmapCtx[], ctx: number, start: number, end: number): boolean {
  return uf.some(u => u.ctx === ctx && u.start === start && u.end === end);
}

/**
 * Does userfaultfd_unmap_prep() return 0 without doing anything for the next
 * VMA (no ctx, ctx without UFFD_FEATURE_EVENT_UNMAP, or — with dedup — an
 * entry for this ctx and range exists)? Also true when no VMA is left.
 */
export function unmapPrepSkips(s: KernelState, t: Tid, dedup: boolean): boolean {
  const next = local<(number | null)[]>(s, t, 'todo')[0];
  if (next === undefined || next === null) return true;
  if (!ctxOf(s, next).features.includes(EVENT_UNMAP)) return true;
  return dedup && has_unmap_ctx(local<UnmapCtx[]>(s, t, 'uf'), next, local<number>(s, t, 'start'), local<number>(s, t, 'end'));
}

/** The userfaultfd_unmap_prep step, with or without has_unmap_ctx() (variant no-unmap-dedup). */
export function unmapPrepStep(dedup: boolean): KernelFn['steps'][string] {
  return {
    doc: dedup
      ? 'userfaultfd_unmap_prep(vma, start, end, uf) for the next detached VMA: return 0 if !ctx, !(features & UFFD_FEATURE_EVENT_UNMAP) or has_unmap_ctx(ctx, uf, start, end); else userfaultfd_ctx_get(); atomic_inc(&ctx->mmap_changing); list_add_tail({ctx, start, end}, uf)'
      : '(patched) userfaultfd_unmap_prep() without has_unmap_ctx(): one entry per VMA of a ctx with UFFD_FEATURE_EVENT_UNMAP',
    // Skipping a VMA publishes nothing; the increment is read (locklessly) only by the fill ioctls.
    local: (s, t) => unmapPrepSkips(s, t, dedup) || noFiller(s),
    run: (d, t) => {
      const todo = local<(number | null)[]>(d, t, 'todo');
      if (todo.length === 0) {
        goTo(d, t, 'vms_complete_munmap_vmas');
        return;
      }
      const skip = unmapPrepSkips(d, t, dedup);
      const ctx = todo[0]!;
      setLocal(d, t, 'todo', todo.slice(1));
      if (skip || ctx === null) return;
      const c = ctxOf(d, ctx);
      c.refcount += 1;        // userfaultfd_ctx_get()
      c.mmap_changing += 1;   // atomic_inc(&ctx->mmap_changing)
      setLocal(d, t, 'uf', [...local<UnmapCtx[]>(d, t, 'uf'), { ctx, start: local<number>(d, t, 'start'), end: local<number>(d, t, 'end') }]);
    },
  };
}

function myRecord(d: KernelState, t: Tid): KernelState['unmaps'][number] {
  const r = d.unmaps.find(x => x.tid === t && !x.done);
  if (r === undefined) throw new Error(`[model bug] ${thread(d, t).name} has no open munmap record`);
  return r;
}

/** Locals: start, end (pages), todo (ctx of each detached VMA not yet prepped), uf (the userfaultfd_unmap_ctx list). Returns 0. */
export const __vm_munmap: KernelFn = {
  name: '__vm_munmap',
  cites: 'mm/mmap.c: __vm_munmap(); mm/vma.c: do_vmi_align_munmap(), vms_gather_munmap_vmas(), vms_complete_munmap_vmas(); fs/userfaultfd.c: userfaultfd_unmap_prep(), userfaultfd_unmap_complete()',
  entry: 'mmap_write_lock_killable',
  steps: {
    ...mmapLockSteps('mmap_write_lock_killable', true, 'vms_gather_munmap_vmas', 'mmap_write_lock_killable(mm) (no signals: never -EINTR)'),
    vms_gather_munmap_vmas: {
      doc: 'do_vmi_munmap() -> do_vmi_align_munmap() -> vms_gather_munmap_vmas(): __split_vma() at start and end; vma_start_write() and detach every VMA in range (under mmap_lock for write)',
      local: true,
      run: (d, t) => {
        const start = local<number>(d, t, 'start');
        const end = local<number>(d, t, 'end');
        splitAt(d, start);
        splitAt(d, end);
        const ctxs = vmasIn(d, start, end).map(v => v.uffd);
        setLocal(d, t, 'todo', ctxs);
        // Ghost: who must get an UNMAP event, from the VMAs as they are now.
        const expect = [...new Set(ctxs.filter((c): c is number => c !== null && ctxOf(d, c).features.includes(EVENT_UNMAP)))].sort((a, b) => a - b);
        d.unmaps.push({ tid: t, start, end, expect, got: [], done: false });
        goTo(d, t, 'userfaultfd_unmap_prep');
      },
    },
    userfaultfd_unmap_prep: unmapPrepStep(true),
    vms_complete_munmap_vmas: {
      doc: 'vma_iter_clear_gfp(): remove the VMAs from the tree; vms_complete_munmap_vmas(): mmap_write_downgrade(), zap the ptes (shmem: the page cache stays), mmap_read_unlock() — folded into one step',
      run: (d, t) => {
        const start = local<number>(d, t, 'start');
        const end = local<number>(d, t, 'end');
        d.mm.vmas = d.mm.vmas.filter(v => v.end <= start || v.start >= end);
        for (let p = start; p < end; p++) {
          d.mm.pte[p] = null;
          d.expect[p] = null;
        }
        mmap_write_unlock(d, t);
        goTo(d, t, 'userfaultfd_unmap_complete');
      },
    },
    userfaultfd_unmap_complete: {
      doc: 'userfaultfd_unmap_complete(mm, uf): for the next entry in list order: msg_init(); msg.event = UFFD_EVENT_UNMAP, arg.remove = {start, end}; userfaultfd_event_wait_completion(ctx, &ewq); list_del(); kfree(); none left: return 0',
      local: true,
      run: (d, t, k) => {
        const uf = local<UnmapCtx[]>(d, t, 'uf');
        const next = uf[0];
        if (next === undefined) {
          myRecord(d, t).done = true;
          ret(d, t, 0);
          return;
        }
        setLocal(d, t, 'uf', uf.slice(1));
        const msg: UnmapMsg = { event: 'UFFD_EVENT_UNMAP', start: next.start, end: next.end, address: 0, flags: 0 };
        call(d, t, k, 'userfaultfd_event_wait_completion', { ctx: next.ctx, msg: { ...msg } }, 'userfaultfd_unmap_complete');
      },
    },
  },
};
