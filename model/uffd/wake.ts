/**
 * Waking faulting threads — fs/userfaultfd.c @ v6.18:
 * userfaultfd_wake_function(), __wake_userfault(), wake_userfault().
 *
 * wake_userfault() checks both fault queues locklessly (waitqueue_active)
 * inside a refile_seq read loop, and only if one is non-empty takes
 * fault_pending_wqh.lock and walks both queues with the range as key.
 * The smp_mb() before the check is implicit: the model is sequentially consistent.
 */
import type { KernelFn } from '../engine.js';
import { goTo, local, ret, setLocal } from '../engine.js';
import type { KernelState, Tid } from '../state.js';
import { try_to_wake_up } from '../kernel/sched.js';
import { spinFree, spinWaitsFor } from '../kernel/spinlock.js';
import { ctxOf } from './ctx.js';

/** A wake key: [start, start+len) in pages; len 0 means "wake all" (userfaultfd_release()). */
export interface WakeRange { start: number; len: number }

/**
 * userfaultfd_wake_function() for every entry of one queue (the walk of
 * __wake_up_locked_key()/__wake_up(); the entries are non-exclusive so all are
 * visited). Entries outside the range stay queued; a woken entry is removed
 * with list_del_init() (autoremove). An entry whose task is already RUNNING is
 * not woken and stays queued (its owner removes it under the lock).
 */
export function wakeQueue(d: KernelState, ctx: number, queue: 'fault_pending_wqh' | 'fault_wqh', range: WakeRange): void {
  const c = ctxOf(d, ctx);
  const keep = [];
  for (const uwq of c[queue]) {
    const addr = uwq.msg.address;
    if (range.len !== 0 && (range.start > addr || range.start + range.len <= addr)) {
      keep.push(uwq);
      continue;
    }
    // WRITE_ONCE(uwq->waken, true) is write-only in v6.18 (nobody reads it): not modelled.
    if (try_to_wake_up(d, uwq.tid)) continue; // list_del_init(&wq->entry)
    keep.push(uwq);
  }
  c[queue] = keep;
}

/** __wake_userfault() body: under fault_pending_wqh.lock, wake both queues (fault_wqh.lock nests inside). */
export function __wake_userfault(d: KernelState, ctx: number, range: WakeRange): void {
  const c = ctxOf(d, ctx);
  if (c.fault_pending_wqh.length > 0) wakeQueue(d, ctx, 'fault_pending_wqh', range);
  if (c.fault_wqh.length > 0) wakeQueue(d, ctx, 'fault_wqh', range);
}

function args(s: KernelState, t: Tid): { ctx: number; range: WakeRange } {
  return { ctx: local<number>(s, t, 'ctx'), range: { start: local<number>(s, t, 'start'), len: local<number>(s, t, 'len') } };
}

/** Locals: ctx, start, len; scratch: seq, need_wakeup. Returns null. */
export const wake_userfault: KernelFn = {
  name: 'wake_userfault',
  cites: 'fs/userfaultfd.c: wake_userfault()',
  entry: 'read_seqcount_begin',
  steps: {
    read_seqcount_begin: {
      doc: 'seq = read_seqcount_begin(&ctx->refile_seq): spins while a refile is in progress (odd count)',
      guard: (s, t) => ctxOf(s, local<number>(s, t, 'ctx')).refile_seq % 2 === 0,
      waitsFor: (s, t) => `spinning in read_seqcount_begin(): ${ctxOf(s, local<number>(s, t, 'ctx')).name}.refile_seq is odd (a refile is in progress)`,
      run: (d, t) => {
        setLocal(d, t, 'seq', ctxOf(d, local<number>(d, t, 'ctx')).refile_seq);
        goTo(d, t, 'waitqueue_active(fault_pending_wqh)');
      },
    },
    'waitqueue_active(fault_pending_wqh)': {
      doc: 'need_wakeup = waitqueue_active(&ctx->fault_pending_wqh): lockless read',
      run: (d, t) => {
        const need = ctxOf(d, local<number>(d, t, 'ctx')).fault_pending_wqh.length > 0;
        setLocal(d, t, 'need_wakeup', need);
        goTo(d, t, need ? 'read_seqcount_retry' : 'waitqueue_active(fault_wqh)');
      },
    },
    'waitqueue_active(fault_wqh)': {
      doc: '|| waitqueue_active(&ctx->fault_wqh): lockless read',
      run: (d, t) => {
        setLocal(d, t, 'need_wakeup', ctxOf(d, local<number>(d, t, 'ctx')).fault_wqh.length > 0);
        goTo(d, t, 'read_seqcount_retry');
      },
    },
    read_seqcount_retry: {
      doc: 'while (read_seqcount_retry(&ctx->refile_seq, seq)): re-check if a refile ran meanwhile',
      run: (d, t) => {
        if (ctxOf(d, local<number>(d, t, 'ctx')).refile_seq !== local<number>(d, t, 'seq')) {
          goTo(d, t, 'read_seqcount_begin');
        } else if (local<boolean>(d, t, 'need_wakeup')) {
          goTo(d, t, '__wake_userfault');
        } else {
          ret(d, t, null);
        }
      },
    },
    __wake_userfault: {
      doc: '__wake_userfault(): spin_lock(fault_pending_wqh.lock); wake matching entries of both queues; unlock',
      guard: (s, t) => spinFree(s, local<number>(s, t, 'ctx'), 'fault_pending_wqh') && spinFree(s, local<number>(s, t, 'ctx'), 'fault_wqh'),
      waitsFor: (s, t) => spinWaitsFor(s, local<number>(s, t, 'ctx'), 'fault_pending_wqh'),
      run: (d, t) => {
        const { ctx, range } = args(d, t);
        __wake_userfault(d, ctx, range);
        ret(d, t, null);
      },
    },
  },
};
