/**
 * close() of the last reference to a uffd — fs/userfaultfd.c @ v6.18:
 * userfaultfd_release(), userfaultfd_release_all().
 *
 * released is published before mmap_lock is taken; the write lock then waits
 * for every faulter that read released == false to drop mmap_lock (by then it
 * has queued its uwq); the VMAs are cleared; then every queued fault is woken
 * (no lockless pre-check), then event producers, then readers (EPOLLHUP).
 * A fault after this finds no ctx on the VMA and is an ordinary fault.
 * Ghost: ctx->refcount drops the file's reference.
 */
import type { KernelFn } from '../engine.js';
import { goTo, ret } from '../engine.js';
import { mmapLockSteps, mmap_write_unlock } from '../kernel/rwsem.js';
import { wake_up_poll_fd_wqh } from '../kernel/sched.js';
import { spinFree, spinWaitsFor } from '../kernel/spinlock.js';
import { setUffd } from '../mm/vma.js';
import { ctxArg, ctxOf, spinGuarded } from './ctx.js';
import { wake_up_all_event_wqh } from './event.js';
import { wakeQueue } from './wake.js';


/** Locals: ctx. */
export const userfaultfd_release: KernelFn = {
  name: 'userfaultfd_release',
  cites: 'fs/userfaultfd.c: userfaultfd_release()',
  entry: 'WRITE_ONCE(ctx->released)',
  steps: {
    'WRITE_ONCE(ctx->released)': {
      doc: 'WRITE_ONCE(ctx->released, true)',
      run: (d, t) => {
        ctxOf(d, ctxArg(d, t)).released = true;
        goTo(d, t, 'mmap_write_lock');
      },
    },
    ...mmapLockSteps('mmap_write_lock', true, 'userfaultfd_release_all', 'userfaultfd_release_all(): mmget_not_zero(mm); mmap_write_lock(mm)'),
    userfaultfd_release_all: {
      doc: 'for each VMA of this ctx: userfaultfd_clear_vma() (clear ctx + VM_UFFD_*, merge); mmap_write_unlock',
      run: (d, t) => {
        const ctx = ctxArg(d, t);
        for (const v of d.mm.vmas.filter(x => x.uffd === ctx).map(x => ({ start: x.start, end: x.end }))) setUffd(d, v.start, v.end, null, []);
        mmap_write_unlock(d, t);
        goTo(d, t, 'wake_up_all(fault_pending_wqh)');
      },
    },
    'wake_up_all(fault_pending_wqh)': {
      doc: 'spin_lock(fault_pending_wqh.lock); __wake_up_locked_key(fault_pending_wqh, len 0 = all); __wake_up(fault_wqh, all); unlock',
      guard: (s, t) => spinFree(s, ctxArg(s, t), 'fault_pending_wqh') && spinFree(s, ctxArg(s, t), 'fault_wqh'),
      waitsFor: (s, t) => spinWaitsFor(s, ctxArg(s, t), 'fault_pending_wqh'),
      run: (d, t) => {
        wakeQueue(d, ctxArg(d, t), 'fault_pending_wqh', { start: 0, len: 0 });
        wakeQueue(d, ctxArg(d, t), 'fault_wqh', { start: 0, len: 0 });
        goTo(d, t, 'wake_up_all(event_wqh)');
      },
    },
    'wake_up_all(event_wqh)': {
      doc: 'wake_up_all(&ctx->event_wqh): try_to_wake_up() every event producer; each sees released and unlinks its ewq',
      ...spinGuarded('event_wqh'),
      run: (d, t) => {
        wake_up_all_event_wqh(d, ctxArg(d, t));
        goTo(d, t, 'wake_up_poll(fd_wqh)');
      },
    },
    'wake_up_poll(fd_wqh)': {
      doc: 'wake_up_poll(&ctx->fd_wqh, EPOLLHUP); userfaultfd_ctx_put(ctx)',
      ...spinGuarded('fd_wqh'),
      run: (d, t) => {
        wake_up_poll_fd_wqh(d, ctxArg(d, t));
        ctxOf(d, ctxArg(d, t)).refcount -= 1;
        ret(d, t, null);
      },
    },
  },
};
