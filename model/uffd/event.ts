/**
 * Non-cooperative event delivery — fs/userfaultfd.c @ v6.18:
 * userfaultfd_event_wait_completion() (the producer) and
 * userfaultfd_event_complete() (the reader's acknowledgement).
 *
 *   __add_wait_queue(event_wqh)   spin_lock_irq(event_wqh.lock); queue the ewq at the head (visible to read()/poll())
 *   set_current_state(TASK_KILLABLE)  loop head, event_wqh.lock held: acked (msg.event == 0) -> break;
 *                                 READ_ONCE(ctx->released) -> __remove_wait_queue(), break
 *   spin_unlock(event_wqh)        spin_unlock_irq(event_wqh.lock)
 *   wake_up_poll(fd_wqh)          wake_up_poll(&ctx->fd_wqh, EPOLLIN): wake readers (takes fd_wqh.lock)
 *   schedule                      sleep until a reader acks (wake_up_locked) or release wakes all
 *   spin_lock(event_wqh)          spin_lock_irq(event_wqh.lock) again, back to the loop head
 *   __set_current_state(TASK_RUNNING)  after the loop: RUNNING; spin_unlock_irq(event_wqh.lock)
 *   atomic_dec(mmap_changing)     out: atomic_dec(&ctx->mmap_changing); userfaultfd_ctx_put(ctx)
 *
 * The ewq lives on the producer's stack: its message is the frame's local
 * `msg`, and the reader's acknowledgement writes msg.event = 0 there.
 * While the producer holds event_wqh.lock nobody can ack or wake it (both
 * need that lock), so the loop-head checks of msg.event are not races; only
 * `released` is read locklessly.
 * Not modelled: PF_EXITING, fatal signals (TASK_KILLABLE is never interrupted).
 *
 * Ghost: every prep that raises mmap_changing opens an EventRecord
 * (mmapChangingInc()), and the decrement that balances it closes the record
 * (mmapChangingDec()), on the completion path and on failure paths alike.
 */
import type { KernelFn } from '../engine.js';
import { goTo, local, ModelError, ret, setLocal, thread, top } from '../engine.js';
import type { EventKind, EventMsg, EventRecord, ForkMsg, Json, KernelState, Tid } from '../state.js';
import { noThreadDoes } from '../state.js';
import { set_current_state, try_to_wake_up } from '../kernel/sched.js';
import { spin_lock, spin_unlock, spinFree, spinWaitsFor } from '../kernel/spinlock.js';
import { ctxArg, ctxOf, wakeUpPollStep } from './ctx.js';
import { neverReleased } from './handle_userfault.js';

/** A msg local: the event's message, or with event 0 once acknowledged. */
type EwqMsg = Omit<EventMsg, 'event'> & { event: EventMsg['event'] | 0 };

/**
 * atomic_inc(&ctx->mmap_changing) in an event's prep (userfaultfd_unmap_prep(),
 * userfaultfd_remove(), mremap_userfaultfd_prep(), dup_userfaultfd()), with
 * the ghost record it opens. Returns the record's id.
 */
export function mmapChangingInc(d: KernelState, ctx: number, kind: EventKind, t: Tid): number {
  ctxOf(d, ctx).mmap_changing += 1;
  const id = d.next_event;
  d.next_event += 1;
  d.events.push({ id, kind, ctx, tid: t });
  return id;
}

/** atomic_dec(&ctx->mmap_changing) when the event completes or is cancelled; closes the ghost record. */
export function mmapChangingDec(d: KernelState, ctx: number, id: number): void {
  const c = ctxOf(d, ctx);
  c.mmap_changing -= 1;
  if (c.mmap_changing < 0) throw new Error(`[model bug] ${c.name}.mmap_changing < 0 (VM_WARN_ON_ONCE)`);
  closeEvent(d, id);
}

/** Ghost only: the event record `id` is complete (also used by variants that change how mmap_changing is lowered). */
export function closeEvent(d: KernelState, id: number): void {
  d.events = d.events.filter(e => e.id !== id);
}

/** Ghost: the events of ctx prepped and not yet completed. */
export function eventsInFlight(s: KernelState, ctx: number): EventRecord[] {
  return s.events.filter(e => e.ctx === ctx);
}

/**
 * mmap_changing is read only by the fill ioctls (userfaultfd_copy()/zeropage()
 * at entry, mfill_atomic() under mmap_lock): in a scenario where no thread
 * fills, lowering it is seen by nobody and is not a scheduling point.
 */
export function noFiller(s: KernelState): boolean {
  return noThreadDoes(s, ['copy', 'zeropage', 'resolve', 'serve']);
}

/**
 * userfaultfd_event_complete(ctx, ewq), called by a reader holding
 * event_wqh.lock: ewq->msg.event = 0 (in the producer's frame);
 * wake_up_locked(&ctx->event_wqh) — every entry is a non-exclusive
 * default_wake_function entry, so every queued producer gets try_to_wake_up()
 * and re-checks its own msg.event; __remove_wait_queue(ewq).
 */
export function userfaultfd_event_complete(d: KernelState, ctx: number, producer: Tid): void {
  const c = ctxOf(d, ctx);
  const f = top(d, producer);
  if (f.fn !== 'userfaultfd_event_wait_completion') throw new Error(`[model bug] the ewq of ${thread(d, producer).name} is queued but it is in ${f.fn}()`);
  (f.locals['msg'] as unknown as EwqMsg).event = 0;
  for (const e of c.event_wqh) try_to_wake_up(d, e.tid);
  c.event_wqh = c.event_wqh.filter(e => e.tid !== producer);
}

/** wake_up_all(&ctx->event_wqh) (userfaultfd_release()): try_to_wake_up() every producer; entries stay queued. */
export function wake_up_all_event_wqh(d: KernelState, ctx: number): void {
  for (const e of ctxOf(d, ctx).event_wqh) try_to_wake_up(d, e.tid);
}

/**
 * The ops (Thread.does) whose kernel code queues an event on a ctx's event_wqh
 * (userfaultfd_event_wait_completion()): fork (FORK), mremap (REMAP, and UNMAP
 * of what it unmaps), munmap (UNMAP) and madvise (REMOVE). Without them, and
 * without close() (userfaultfd_release() takes event_wqh.lock), event_wqh stays
 * empty and its lock free: a reader's look at it is local (read.ts
 * find_userfault_evt). Queueing an event without such an op throws.
 */
export const EVENT_OPS: readonly string[] = ['fork', 'madvise', 'mremap', 'munmap'];

/** No thread of the state can queue an event, nor take event_wqh.lock in a release. */
export function noEventEver(s: KernelState): boolean {
  return noThreadDoes(s, [...EVENT_OPS, 'close']);
}

const lockEvent = {
  guard: (s: KernelState, t: Tid): boolean => spinFree(s, ctxArg(s, t), 'event_wqh'),
  waitsFor: (s: KernelState, t: Tid): string => spinWaitsFor(s, ctxArg(s, t), 'event_wqh'),
};

/** Locals: ctx, msg (the event's message; msg.event becomes 0 once a reader acknowledged it), id (ghost event record). Returns null. */
export const userfaultfd_event_wait_completion: KernelFn = {
  name: 'userfaultfd_event_wait_completion',
  cites: 'fs/userfaultfd.c: userfaultfd_event_wait_completion()',
  entry: '__add_wait_queue(event_wqh)',
  steps: {
    '__add_wait_queue(event_wqh)': {
      doc: 'ewq->ctx = ctx; init_waitqueue_entry(&ewq->wq, current); spin_lock_irq(event_wqh.lock); __add_wait_queue(&ctx->event_wqh, &ewq->wq): visible to read()/poll() from here',
      ...lockEvent,
      run: (d, t) => {
        const ctx = ctxArg(d, t);
        if (!thread(d, t).does.some(o => EVENT_OPS.includes(o))) throw new ModelError(`${thread(d, t).name} queues an event, but none of its ops (${thread(d, t).does.join(', ')}) is in EVENT_OPS (model/uffd/event.ts)`);
        spin_lock(d, ctx, 'event_wqh', t);
        ctxOf(d, ctx).event_wqh.unshift({ tid: t, msg: { ...local<Json>(d, t, 'msg') as unknown as EventMsg }, id: local<number>(d, t, 'id') });
        goTo(d, t, 'set_current_state(TASK_KILLABLE)');
      },
    },
    'set_current_state(TASK_KILLABLE)': {
      doc: 'set_current_state(TASK_KILLABLE); if (ewq->msg.event == 0) break; if (READ_ONCE(ctx->released)) { __remove_wait_queue(event_wqh, ewq) (also off a reader\'s fork_event list); FORK: release_new_ctx = the new ctx; break; } (event_wqh.lock held)',
      // Under event_wqh.lock only `released` can change under us, and only a close() writes it; the task
      // state it sets is read by try_to_wake_up(), which a spurious wakeup calls without that lock
      // (a wake of event_wqh takes it), so with a spurious_wakeup op in the scenario it is a scheduling point.
      local: s => neverReleased(s) && noThreadDoes(s, ['spurious_wakeup']),
      run: (d, t) => {
        set_current_state(d, t, 'KILLABLE');
        const c = ctxOf(d, ctxArg(d, t));
        if (local<EwqMsg & Json>(d, t, 'msg').event === 0) {
          goTo(d, t, '__set_current_state(TASK_RUNNING)');
        } else if (c.released) {
          c.event_wqh = c.event_wqh.filter(e => e.tid !== t);
          if (c.fork_in_transit?.tid === t) c.fork_in_transit = null; // __remove_wait_queue() ignores the head: the reader's fork_event list
          const m = local<EwqMsg & Json>(d, t, 'msg');
          if (m.event === 'UFFD_EVENT_FORK') setLocal(d, t, 'release_new_ctx', (m as unknown as ForkMsg).ctx);
          goTo(d, t, '__set_current_state(TASK_RUNNING)');
        } else {
          goTo(d, t, 'spin_unlock(event_wqh)');
        }
      },
    },
    'spin_unlock(event_wqh)': {
      doc: 'spin_unlock_irq(event_wqh.lock)',
      run: (d, t) => {
        spin_unlock(d, ctxArg(d, t), 'event_wqh', t);
        goTo(d, t, 'wake_up_poll(fd_wqh)');
      },
    },
    'wake_up_poll(fd_wqh)': wakeUpPollStep('schedule'),
    schedule: {
      doc: 'schedule(): sleep (TASK_KILLABLE) until a reader acknowledges an event (wake_up_locked) or userfaultfd_release() wakes all',
      guard: (s, t) => thread(s, t).task === 'RUNNING',
      local: true, // returning from schedule() touches nothing shared: it joins the next step
      waitsFor: (s, t) => {
        const c = ctxOf(s, ctxArg(s, t));
        const m = local<EwqMsg & Json>(s, t, 'msg');
        const queued = c.event_wqh.some(e => e.tid === t) ? `queued on ${c.name}.event_wqh, not yet read` : `not queued on ${c.name}.event_wqh`;
        return `asleep (TASK_${thread(s, t).task}) in userfaultfd_event_wait_completion(): ${m.event === 0 ? 'acknowledged' : m.event} event ${describeEvent(m as unknown as EventMsg)} ${queued}`;
      },
      run: (d, t) => goTo(d, t, 'spin_lock(event_wqh)'),
    },
    'spin_lock(event_wqh)': {
      doc: 'spin_lock_irq(event_wqh.lock) after schedule(); back to the loop head',
      ...lockEvent,
      run: (d, t) => {
        spin_lock(d, ctxArg(d, t), 'event_wqh', t);
        goTo(d, t, 'set_current_state(TASK_KILLABLE)');
      },
    },
    '__set_current_state(TASK_RUNNING)': {
      doc: '__set_current_state(TASK_RUNNING); spin_unlock_irq(event_wqh.lock)',
      run: (d, t) => {
        set_current_state(d, t, 'RUNNING');
        spin_unlock(d, ctxArg(d, t), 'event_wqh', t);
        goTo(d, t, (top(d, t).locals['release_new_ctx'] ?? null) === null ? 'atomic_dec(mmap_changing)' : 'release_new_ctx');
      },
    },
    release_new_ctx: releaseNewCtxStep('clear'),
    'atomic_dec(mmap_changing)': {
      doc: 'out: atomic_dec(&ctx->mmap_changing); userfaultfd_ctx_put(ctx)',
      local: noFiller,
      run: (d, t) => {
        mmapChangingDec(d, ctxArg(d, t), local<number>(d, t, 'id'));
        ctxOf(d, ctxArg(d, t)).refcount -= 1;
        ret(d, t, null);
      },
    },
  },
};

/** "[start, end)", "from -> to (len)", "new ctx N": an event's arguments, for reports. */
export function describeEvent(m: EventMsg): string {
  switch (m.event) {
    case 'UFFD_EVENT_UNMAP': case 'UFFD_EVENT_REMOVE': return `[${m.start}, ${m.end})`;
    case 'UFFD_EVENT_REMAP': return `${m.from} -> ${m.to} (${m.len} pages)`;
    case 'UFFD_EVENT_FORK': return `new ctx ${m.ctx}`;
  }
}

// ---------------------------------------------------------------------------
// Ghost monitor view (property monitor-view-consistent): the pages each ctx's
// monitor knows to be present, updated where the monitor learns something.

function viewSet(d: KernelState, ctx: number, pages: Iterable<number>): void {
  d.view[ctx] = [...new Set(pages)].sort((a, b) => a - b);
}

/** A fill installed `page` through ctx (the ioctl's success tells the monitor). */
export function viewAdd(d: KernelState, ctx: number, page: number): void {
  if (d.removing.some(r => r.ctx === ctx && r.start <= page && page < r.end)) return;
  const v = d.view[ctx] ?? [];
  if (!v.includes(page)) viewSet(d, ctx, [...v, page]);
}

/** The monitor read a REMOVE or UNMAP event of [start, end): those pages are gone. */
export function viewClear(d: KernelState, ctx: number, start: number, end: number): void {
  viewSet(d, ctx, (d.view[ctx] ?? []).filter(p => p < start || p >= end));
}

/** The monitor read REMAP from -> to (len pages): what it knew at [from, from+len) is now at [to, to+len). */
export function viewMove(d: KernelState, ctx: number, from: number, to: number, len: number): void {
  const v = d.view[ctx] ?? [];
  const moved = v.filter(p => p >= from && p < from + len).map(p => p - from + to);
  viewSet(d, ctx, [...v.filter(p => (p < from || p >= from + len) && (p < to || p >= to + len)), ...moved]);
}

/**
 * Ghost bookkeeping when a reader dequeues event `msg` (id) of ctx: the
 * monitor view, and for UNMAP the munmap record (unmap-event-exactly-once).
 */
export function eventRead(d: KernelState, ctx: number, msg: EventMsg, id: number, producer: Tid): void {
  switch (msg.event) {
    case 'UFFD_EVENT_UNMAP': {
      const rec = d.unmaps.find(r => r.ids.includes(id));
      if (rec === undefined) throw new Error(`[model bug] UNMAP event ${id} without a munmap record`);
      rec.got.push({ ctx, start: msg.start, end: msg.end });
      viewClear(d, ctx, msg.start, msg.end);
      return;
    }
    case 'UFFD_EVENT_REMOVE':
      viewClear(d, ctx, msg.start, msg.end);
      d.removing.push({ ctx, start: msg.start, end: msg.end, tid: producer });
      return;
    case 'UFFD_EVENT_REMAP': viewMove(d, ctx, msg.from, msg.to, msg.len); return;
    case 'UFFD_EVENT_FORK': {
      const rec = d.forks.find(r => r.ids.includes(id));
      if (rec === undefined) throw new Error(`[model bug] FORK event ${id} without a fork record`);
      rec.got.push(ctx);
      viewSet(d, msg.ctx, d.view[ctx] ?? []);
      return;
    }
  }
}

/** Ghost: thread t's madvise() has zapped (or given up on) the ranges of the REMOVE events it raised. */
export function removeDone(d: KernelState, t: Tid): void {
  if (d.removing.some(r => r.tid === t)) d.removing = d.removing.filter(r => r.tid !== t);
}

/**
 * The release_new_ctx branch of userfaultfd_event_wait_completion() (a FORK
 * event aborted because the parent's uffd was released): mmap_write_lock(the
 * child mm) (uncontended: no thread runs there); every child VMA still
 * pointing at the new ctx loses it and its VM_UFFD_* flags; mmap_write_unlock;
 * userfaultfd_ctx_put(new ctx). The variants of known bug #11 clear less:
 * 'keep-ctx' (before 0cbb4b4f4c44: only the put), 'keep-flags' (before the
 * v4.18 follow-up: the pointer but not the flags).
 */
export function releaseNewCtxStep(how: 'clear' | 'keep-ctx' | 'keep-flags'): KernelFn['steps'][string] {
  return {
    doc: how === 'clear'
      ? 'if (release_new_ctx): mmap_write_lock(child mm); for_each_vma: vm_userfaultfd_ctx == release_new_ctx -> NULL_VM_UFFD_CTX, clear __VM_UFFD_FLAGS; mmap_write_unlock; userfaultfd_ctx_put(release_new_ctx)'
      : how === 'keep-ctx'
        ? '(patched, before 0cbb4b4f4c44) if (release_new_ctx): userfaultfd_ctx_put(release_new_ctx) — the child VMAs still point at it'
        : '(patched, before the v4.18 follow-up) clear vm_userfaultfd_ctx of the child VMAs but not their VM_UFFD_* flags; userfaultfd_ctx_put()',
    run: (d, t) => {
      const n = local<number>(d, t, 'release_new_ctx');
      if (how !== 'keep-ctx') {
        for (const child of d.children) {
          for (const v of child.vmas) {
            if (v.uffd !== n) continue;
            v.uffd = null;
            if (how === 'clear') v.uffd_flags = [];
          }
        }
      }
      ctxOf(d, n).refcount -= 1;
      goTo(d, t, 'atomic_dec(mmap_changing)');
    },
  };
}
