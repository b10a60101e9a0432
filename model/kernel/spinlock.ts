/**
 * The ctx's wait-queue spinlocks — include/linux/spinlock.h, wait_queue_head_t.lock.
 *
 * A spinlock held across several steps is state (so lockless readers can see
 * the intermediate states, e.g. the refile in userfaultfd_ctx_read()); taking
 * it is a guard (the thread spins, it is not enabled, it does not sleep).
 * A critical section with no intermediate state visible to anyone is a single
 * step, which is equivalent to taking and dropping the lock inside it.
 */
import type { CtxLocks, KernelState, Tid } from '../state.js';
import { thread } from '../engine.js';

export type SpinName = keyof CtxLocks;

export function spinFree(s: KernelState, ctx: number, lock: SpinName, t?: Tid): boolean {
  const holder = s.uffd[ctx]?.locks[lock];
  return holder === null || (t !== undefined && holder === t);
}

export function spin_lock(d: KernelState, ctx: number, lock: SpinName, t: Tid): void {
  const c = d.uffd[ctx];
  if (c === undefined || c.locks[lock] !== null) {
    throw new Error(`[model bug] ${thread(d, t).name} takes ${lock}.lock which is not free (a guard is missing)`);
  }
  c.locks[lock] = t;
}

export function spin_unlock(d: KernelState, ctx: number, lock: SpinName, t: Tid): void {
  const c = d.uffd[ctx];
  if (c === undefined || c.locks[lock] !== t) {
    throw new Error(`[model bug] ${thread(d, t).name} drops ${lock}.lock it does not hold`);
  }
  c.locks[lock] = null;
}

export function spinWaitsFor(s: KernelState, ctx: number, lock: SpinName): string {
  const h = s.uffd[ctx]?.locks[lock];
  return `spinning on ${s.uffd[ctx]?.name ?? '?'}.${lock}.lock held by ${h === null || h === undefined ? 'nobody' : thread(s, h).name}`;
}

/** Every spinlock thread t holds, as "ctx.lock" names (lock-discipline property). */
export function spinlocksHeld(s: KernelState, t: Tid): string[] {
  const out: string[] = [];
  for (const c of s.uffd) {
    for (const name of ['fd_wqh', 'fault_pending_wqh', 'fault_wqh', 'event_wqh'] as const) {
      if (c.locks[name] === t) out.push(`${c.name}.${name}.lock`);
    }
  }
  return out;
}
