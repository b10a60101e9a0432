/**
 * Small accessors on struct userfaultfd_ctx shared by the fs/userfaultfd.c models.
 */
import type { KernelState, UffdCtx, Tid } from '../state.js';
import type { Step } from '../engine.js';
import { goTo, local, ModelError } from '../engine.js';
import type { SpinName } from '../kernel/spinlock.js';
import { spinFree, spinWaitsFor } from '../kernel/spinlock.js';
import { wake_up_poll_fd_wqh } from '../kernel/sched.js';

export function ctxOf(s: KernelState, i: number): UffdCtx {
  const c = s.uffd[i];
  if (c === undefined) throw new ModelError(`no userfaultfd ctx #${i}`);
  return c;
}

/** The `ctx` local of the current frame: which userfaultfd_ctx a uffd function works on. */
export function ctxArg(s: KernelState, t: Tid): number {
  return local<number>(s, t, 'ctx');
}

/** userfaultfd_is_initialized(): UFFD_FEATURE_INITIALIZED is set once UFFDIO_API succeeded. */
export function userfaultfd_is_initialized(c: UffdCtx): boolean {
  return c.features.includes('UFFD_FEATURE_INITIALIZED');
}

/**
 * !list_empty_careful(&uwq.wq.entry) for thread t's uwq: it is linked while on
 * either fault queue, and also while a reader is moving it between them
 * (list_del() leaves poisoned, not self-pointing, links). Only the waker's
 * list_del_init() makes it empty.
 */
export function uwqLinked(c: UffdCtx, t: Tid): boolean {
  return c.fault_pending_wqh.some(u => u.tid === t) || c.fault_wqh.some(u => u.tid === t) || c.refile_in_transit?.tid === t;
}

/** guard + waitsFor of a step that takes one spinlock of the frame's ctx (the thread spins until it is free). */
export function spinGuarded(lock: SpinName): Pick<Step, 'guard' | 'waitsFor'> {
  return {
    guard: (s, t) => spinFree(s, ctxArg(s, t), lock),
    waitsFor: (s, t) => spinWaitsFor(s, ctxArg(s, t), lock),
  };
}

/**
 * The ops (Thread.does) whose kernel code reads a uffd: userfaultfd_ctx_read(),
 * the only code that puts a waiter on fd_wqh and holds fd_wqh.lock from one
 * step to the next. Doing that without such an op throws (read.ts).
 */
export const READ_OPS: readonly string[] = ['read_msgs', 'resolve', 'serve'];

/** No live thread can read a uffd any more: every thread with a read op has exited. */
export function noReaderLeft(s: KernelState): boolean {
  return s.threads.every(th => th.frames.length === 0 || !th.does.some(o => READ_OPS.includes(o)));
}

/**
 * wake_up_poll(&ctx->fd_wqh, EPOLLIN) before a producer sleeps (handle_userfault(),
 * userfaultfd_event_wait_completion()): takes fd_wqh.lock and wakes every reader.
 */
export function wakeUpPollStep(next: string): Step {
  return {
    doc: 'wake_up_poll(&ctx->fd_wqh, EPOLLIN): wake every reader waiting in read()',
    ...spinGuarded('fd_wqh'),
    // With no reader left, fd_wqh is empty (a reader leaves it before read() returns, and a thread exits
    // only from user space) and stays so: it wakes nobody, and fd_wqh.lock stays free from one step to the
    // next (only a reader holds it across steps; a release's or another producer's wake takes it within
    // one step): local.
    local: noReaderLeft,
    run: (d, t) => {
      wake_up_poll_fd_wqh(d, ctxArg(d, t));
      goTo(d, t, next);
    },
  };
}
