/**
 * munmap(2) — mm/mmap.c __vm_munmap(); mm/vma.c do_vmi_munmap(),
 * do_vmi_align_munmap(), vms_gather_munmap_vmas(), vms_complete_munmap_vmas();
 * fs/userfaultfd.c userfaultfd_unmap_prep(), has_unmap_ctx(),
 * userfaultfd_unmap_complete() @ v6.18.
 *
 *   __vm_munmap: mmap_write_lock_killable  mmap_write_lock (no signals: never -EINTR)
 *   do_vmi_munmap (also called by mremap() with the write lock held):
 *     vms_gather_munmap_vmas    split the boundary VMAs, detach every VMA in range (local: under the write lock)
 *     userfaultfd_unmap_prep    one step per detached VMA, in address order: skip (no ctx, no EVENT_UNMAP,
 *                               or has_unmap_ctx()) or ctx refcount++, mmap_changing++, append {ctx, start, end} to uf
 *     vms_complete_munmap_vmas  remove the VMAs, zap their ptes, drop mmap_lock if asked (munmap: yes)
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
import { call, goTo, last, local, ret, setLocal, thread } from '../engine.js';
import type { KernelState, Tid, UnmapMsg } from '../state.js';
import { mmapLockSteps, mmap_write_unlock } from '../kernel/rwsem.js';
import { ctxOf } from '../uffd/ctx.js';
import { mmapChangingInc, noFiller } from '../uffd/event.js';
import { changingPresentPte, splitAt, vmasIn } from './vma.js';

export const EVENT_UNMAP = 'UFFD_FEATURE_EVENT_UNMAP';

/** One entry of the uf list: struct userfaultfd_unmap_ctx (plus the ghost event record id). */
export type UnmapCtx = { ctx: number; start: number; end: number; id: number };

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
      ctxOf(d, ctx).refcount += 1;   // userfaultfd_ctx_get()
      // down_write(&ctx->map_changing_lock); atomic_inc(&ctx->mmap_changing); up_write(): no fill holds
      // map_changing_lock here, since fills take it inside mmap_lock, which this thread holds for write.
      const id = mmapChangingInc(d, ctx, 'UNMAP', t);
      d.unmaps[local<number>(d, t, 'rec')]!.ids.push(id);
      setLocal(d, t, 'uf', [...local<UnmapCtx[]>(d, t, 'uf'), { ctx, start: local<number>(d, t, 'start'), end: local<number>(d, t, 'end'), id }]);
    },
  };
}

/**
 * The result do_vmi_munmap() hands back to its caller: the uf list to
 * deliver once mmap_lock is dropped, and the ghost UnmapRecord it opened.
 */
export type MunmapResult = { uf: UnmapCtx[]; rec: number };

/**
 * do_vmi_munmap(): unmap [start, end) with mmap_lock held for write (taken by
 * the caller: __vm_munmap(), or mremap() for its target and source ranges).
 * Locals: start, end, todo, uf, unlock (drop mmap_lock at the end, as
 * __vm_munmap() and mremap()'s shrink do), rec. Returns a MunmapResult.
 */
export const do_vmi_munmap: KernelFn = {
  name: 'do_vmi_munmap',
  cites: 'mm/vma.c: do_vmi_munmap(), do_vmi_align_munmap(), vms_gather_munmap_vmas(), vms_complete_munmap_vmas(); fs/userfaultfd.c: userfaultfd_unmap_prep()',
  entry: 'vms_gather_munmap_vmas',
  steps: {
    vms_gather_munmap_vmas: {
      doc: 'do_vmi_align_munmap() -> vms_gather_munmap_vmas(): __split_vma() at start and end; vma_start_write() and detach every VMA in range (under mmap_lock for write)',
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
        setLocal(d, t, 'rec', d.unmaps.length);
        d.unmaps.push({ tid: t, start, end, expect, got: [], ids: [], done: false });
        goTo(d, t, 'userfaultfd_unmap_prep');
      },
    },
    userfaultfd_unmap_prep: unmapPrepStep(true),
    vms_complete_munmap_vmas: {
      doc: 'vma_iter_clear_gfp(): remove the VMAs from the tree; vms_complete_munmap_vmas(): zap the ptes (shmem: the page cache stays); if unlock: mmap_write_downgrade() ... mmap_read_unlock() — folded into one step',
      run: (d, t) => {
        const start = local<number>(d, t, 'start');
        const end = local<number>(d, t, 'end');
        d.mm.vmas = d.mm.vmas.filter(v => v.end <= start || v.start >= end);
        for (let p = start; p < end; p++) {
          if ((d.mm.pte[p] ?? null) !== null) changingPresentPte(d);
          d.mm.pte[p] = null;
          d.expect[p] = null;
        }
        if (local<boolean>(d, t, 'unlock')) mmap_write_unlock(d, t);
        const result: MunmapResult = { uf: local<UnmapCtx[]>(d, t, 'uf'), rec: local<number>(d, t, 'rec') };
        ret(d, t, result);
      },
    },
  },
};

/** Locals: uf (the userfaultfd_unmap_ctx list), rec (ghost record). Returns null. */
export const userfaultfd_unmap_complete: KernelFn = {
  name: 'userfaultfd_unmap_complete',
  cites: 'fs/userfaultfd.c: userfaultfd_unmap_complete()',
  entry: 'list_for_each_entry_safe',
  steps: {
    list_for_each_entry_safe: {
      doc: 'for the next entry in list order: msg_init(); msg.event = UFFD_EVENT_UNMAP, arg.remove = {start, end}; userfaultfd_event_wait_completion(ctx, &ewq); list_del(); kfree(); none left: return',
      local: true,
      run: (d, t, k) => {
        const uf = local<UnmapCtx[]>(d, t, 'uf');
        const next = uf[0];
        if (next === undefined) {
          const r = d.unmaps[local<number>(d, t, 'rec')];
          if (r === undefined) throw new Error(`[model bug] ${thread(d, t).name} has no munmap record`);
          r.done = true;
          ret(d, t, null);
          return;
        }
        setLocal(d, t, 'uf', uf.slice(1));
        const msg: UnmapMsg = { event: 'UFFD_EVENT_UNMAP', start: next.start, end: next.end, address: 0, flags: 0 };
        call(d, t, k, 'userfaultfd_event_wait_completion', { ctx: next.ctx, msg: { ...msg }, id: next.id }, 'list_for_each_entry_safe');
      },
    },
  },
};

/** Locals: start, end (pages). Returns 0. */
export const __vm_munmap: KernelFn = {
  name: '__vm_munmap',
  cites: 'mm/mmap.c: __vm_munmap()',
  entry: 'mmap_write_lock_killable',
  steps: {
    ...mmapLockSteps('mmap_write_lock_killable', true, 'do_vmi_munmap', 'mmap_write_lock_killable(mm) (no signals: never -EINTR)'),
    do_vmi_munmap: {
      doc: 'do_vmi_munmap(&vmi, mm, start, len, &uf, unlock = true)',
      local: true,
      run: (d, t, k) => call(d, t, k, 'do_vmi_munmap', { start: local<number>(d, t, 'start'), end: local<number>(d, t, 'end'), todo: [], uf: [], unlock: true, rec: -1 }, 'userfaultfd_unmap_complete'),
    },
    userfaultfd_unmap_complete: {
      doc: 'userfaultfd_unmap_complete(mm, &uf); return 0',
      local: true,
      run: (d, t, k) => {
        const f = last(thread(d, t).frames)!;
        if (f.locals['done'] === true) {
          ret(d, t, 0);
          return;
        }
        const r = f.rv as unknown as MunmapResult;
        f.locals['done'] = true;
        f.rv = null;
        call(d, t, k, 'userfaultfd_unmap_complete', { uf: r.uf, rec: r.rec }, 'userfaultfd_unmap_complete');
      },
    },
  },
};
