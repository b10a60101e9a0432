/**
 * Small accessors on struct userfaultfd_ctx shared by the fs/userfaultfd.c models.
 */
import type { KernelState, UffdCtx, Uwq, Tid } from '../state.js';
import { local, ModelError } from '../engine.js';

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

export function findUwq(c: UffdCtx, t: Tid): Uwq | null {
  return c.fault_pending_wqh.find(u => u.tid === t) ?? c.fault_wqh.find(u => u.tid === t) ?? (c.refile_in_transit?.tid === t ? c.refile_in_transit : null);
}
