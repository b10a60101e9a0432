/**
 * Task states and wakeups — kernel/sched/core.c, kernel/sched/wait.c.
 *
 * A thread sleeps by setting its task state (set_current_state) and then
 * reaching a `schedule` step, whose guard is "task state is RUNNING". A wake
 * (try_to_wake_up) that lands between the two sets RUNNING, so schedule()
 * returns at once, as in the kernel.
 * Spurious wakeups: the scenario op `spurious_wakeup` calls try_to_wake_up() on
 * a thread from outside userfaultfd; every sleep loop must tolerate it.
 * Not modelled: signals, preemption (every step is atomic).
 */
import type { KernelState, TaskState, Tid } from '../state.js';
import { thread } from '../engine.js';

/** set_current_state(): publish our own sleeping state (full barrier in the kernel; SC here). */
export function set_current_state(d: KernelState, t: Tid, state: TaskState): void {
  thread(d, t).task = state;
}

/**
 * try_to_wake_up(p, TASK_NORMAL) — kernel/sched/core.c. Wakes a task in any
 * TASK_NORMAL state (INTERRUPTIBLE, UNINTERRUPTIBLE; KILLABLE includes
 * UNINTERRUPTIBLE). Returns whether the task's state changed.
 */
export function try_to_wake_up(d: KernelState, t: Tid): boolean {
  const th = thread(d, t);
  if (th.task === 'RUNNING') return false;
  th.task = 'RUNNING';
  return true;
}

/**
 * wake_up_poll(&ctx->fd_wqh, ...) — kernel/sched/wait.c __wake_up(): every entry
 * on fd_wqh is a non-exclusive default_wake_function entry (a reader in
 * userfaultfd_ctx_read()), so each gets try_to_wake_up(); entries stay queued.
 * The caller must hold (or have checked free) ctx->fd_wqh.lock.
 */
export function wake_up_poll_fd_wqh(d: KernelState, ctx: number): void {
  const c = d.uffd[ctx];
  if (c === undefined) return;
  for (const reader of c.fd_wqh) try_to_wake_up(d, reader);
}
