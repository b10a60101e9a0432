/**
 * read(2) on a userfaultfd — fs/userfaultfd.c @ v6.18: userfaultfd_read_iter(),
 * userfaultfd_ctx_read().
 *
 * The reader holds fd_wqh.lock across its loop (dropping it only to sleep).
 * A pending fault is refiled from fault_pending_wqh to fault_wqh under
 * fault_pending_wqh.lock inside a refile_seq write section, in two steps —
 * list_del() and add_wait_queue() — because between them the entry is on
 * neither list, which a lockless waker (wake_userfault()) can observe.
 * Reading a fault message does not wake or resolve the faulting thread.
 *
 * Faults are returned before events: the event queue is looked at only when
 * fault_pending_wqh is empty. Reading an event acknowledges it
 * (userfaultfd_event_complete()) under event_wqh.lock.
 * Not modelled: FORK events (the fork_event list and resolve_userfault_fork()),
 * signals (-ERESTARTSYS), copy_to_user faults.
 */
import type { KernelFn } from '../engine.js';
import { call, goTo, last, local, ModelError, ret, setLocal, thread } from '../engine.js';
import type { ForkMsg, Json, KernelState, Tid, UffdMsg } from '../state.js';
import { noThreadDoes } from '../state.js';
import { set_current_state } from '../kernel/sched.js';
import { spin_lock, spin_unlock, spinFree, spinWaitsFor } from '../kernel/spinlock.js';
import { ctxArg, ctxOf, READ_OPS, spinGuarded, userfaultfd_is_initialized } from './ctx.js';
import { eventRead, noEventEver, userfaultfd_event_complete } from './event.js';


/**
 * One pass of the for(;;) loop in userfaultfd_ctx_read() up to the refile or
 * the event check, with fd_wqh.lock already held.
 */
function findUserfault(d: KernelState, t: Tid): void {
  const ctx = ctxArg(d, t);
  const c = ctxOf(d, ctx);
  set_current_state(d, t, 'INTERRUPTIBLE');
  spin_lock(d, ctx, 'fault_pending_wqh', t);
  // find_userfault(): walk in reverse to provide FIFO behavior.
  const uwq = c.fault_pending_wqh.at(-1);
  if (uwq === undefined) {
    spin_unlock(d, ctx, 'fault_pending_wqh', t);
    goTo(d, t, 'find_userfault_evt');
    return;
  }
  c.refile_seq += 1;            // write_seqcount_begin(&ctx->refile_seq)
  c.fault_pending_wqh.pop();    // list_del(&uwq->wq.entry): on neither list from here
  c.refile_in_transit = uwq;
  goTo(d, t, 'add_wait_queue(fault_wqh)');
}

/**
 * Leave the loop: __remove_wait_queue(&ctx->fd_wqh, &wait); __set_current_state(TASK_RUNNING);
 * spin_unlock_irq(fd_wqh); return the value — or, for a FORK message, go on to `then` with it in local `msg`.
 */
function leave(d: KernelState, t: Tid, value: UffdMsg | string, then?: string): void {
  const ctx = ctxArg(d, t);
  const c = ctxOf(d, ctx);
  c.fd_wqh = c.fd_wqh.filter(x => x !== t);
  set_current_state(d, t, 'RUNNING');
  spin_unlock(d, ctx, 'fd_wqh', t);
  if (then === undefined) {
    ret(d, t, value as never);
    return;
  }
  setLocal(d, t, 'msg', value as never);
  goTo(d, t, then);
}

const lockFdAndPending = (s: KernelState, t: Tid): boolean =>
  spinFree(s, ctxArg(s, t), 'fd_wqh') && spinFree(s, ctxArg(s, t), 'fault_pending_wqh');
const waitFdOrPending = (s: KernelState, t: Tid): string =>
  spinFree(s, ctxArg(s, t), 'fd_wqh') ? spinWaitsFor(s, ctxArg(s, t), 'fault_pending_wqh') : spinWaitsFor(s, ctxArg(s, t), 'fd_wqh');

/** Locals: ctx, no_wait. Returns the message, or 'EAGAIN'. */
export const userfaultfd_ctx_read: KernelFn = {
  name: 'userfaultfd_ctx_read',
  cites: 'fs/userfaultfd.c: userfaultfd_ctx_read()',
  entry: 'add_wait_queue(fd_wqh)',
  steps: {
    'add_wait_queue(fd_wqh)': {
      doc: 'spin_lock_irq(fd_wqh.lock); __add_wait_queue(fd_wqh, &wait); set_current_state(TASK_INTERRUPTIBLE); spin_lock(fault_pending_wqh.lock); uwq = find_userfault(); if found: write_seqcount_begin(refile_seq); list_del(uwq)',
      guard: lockFdAndPending,
      waitsFor: waitFdOrPending,
      run: (d, t) => {
        if (!thread(d, t).does.some(o => READ_OPS.includes(o))) throw new ModelError(`${thread(d, t).name} reads a uffd, but none of its ops (${thread(d, t).does.join(', ')}) is in READ_OPS (model/uffd/ctx.ts)`);
        spin_lock(d, ctxArg(d, t), 'fd_wqh', t);
        ctxOf(d, ctxArg(d, t)).fd_wqh.unshift(t);
        findUserfault(d, t);
      },
    },
    find_userfault: {
      doc: 'spin_lock_irq(fd_wqh.lock) after schedule(); set_current_state(TASK_INTERRUPTIBLE); spin_lock(fault_pending_wqh.lock); find_userfault(); if found: write_seqcount_begin(refile_seq); list_del(uwq)',
      guard: lockFdAndPending,
      waitsFor: waitFdOrPending,
      run: (d, t) => {
        spin_lock(d, ctxArg(d, t), 'fd_wqh', t);
        findUserfault(d, t);
      },
    },
    'add_wait_queue(fault_wqh)': {
      doc: 'add_wait_queue(&ctx->fault_wqh, &uwq->wq); write_seqcount_end(refile_seq); *msg = uwq->msg; spin_unlock(fault_pending_wqh.lock); leave the loop',
      ...spinGuarded('fault_wqh'),
      run: (d, t) => {
        const ctx = ctxArg(d, t);
        const c = ctxOf(d, ctx);
        const uwq = c.refile_in_transit;
        if (uwq === null) throw new Error('[model bug] refile with nothing in transit');
        c.fault_wqh.unshift(uwq);
        c.refile_in_transit = null;
        c.refile_seq += 1;          // write_seqcount_end(&ctx->refile_seq)
        spin_unlock(d, ctx, 'fault_pending_wqh', t);
        leave(d, t, { ...uwq.msg });
      },
    },
    find_userfault_evt: {
      doc: 'spin_lock(event_wqh.lock); uwq = find_userfault_evt() (the tail); if found: *msg = uwq->msg; userfaultfd_event_complete() (ack, wake_up_locked(event_wqh), dequeue); unlock; leave the loop. Else unlock; no_wait -> -EAGAIN; else spin_unlock_irq(fd_wqh.lock) and sleep',
      ...spinGuarded('event_wqh'),
      // Local when no event can ever be queued and nobody takes event_wqh.lock (noEventEver()): it then
      // finds nothing and only drops fd_wqh.lock, which every other user of fd_wqh waits for (or, with
      // no_wait, also leaves fd_wqh and sets this task RUNNING, which a spurious wakeup would read).
      local: s => noEventEver(s) && noThreadDoes(s, ['spurious_wakeup']),
      run: (d, t) => {
        const ctx = ctxArg(d, t);
        const ewq = last(ctxOf(d, ctx).event_wqh);
        if (ewq !== undefined) {
          const msg: UffdMsg = { ...ewq.msg };
          eventRead(d, ctx, ewq.msg, ewq.id, ewq.tid);
          if (ewq.msg.event === 'UFFD_EVENT_FORK') {
            // list_move(&uwq->wq.entry, &fork_event); userfaultfd_ctx_get(fork_nctx); the ack waits for the fd.
            const c = ctxOf(d, ctx);
            c.event_wqh = c.event_wqh.filter(e => e.tid !== ewq.tid);
            c.fork_in_transit = { ...ewq, msg: { ...ewq.msg } };
            ctxOf(d, ewq.msg.ctx).refcount += 1;
            leave(d, t, msg, 'resolve_userfault_fork');
            return;
          }
          userfaultfd_event_complete(d, ctx, ewq.tid);
          leave(d, t, msg);
          return;
        }
        if (local<boolean>(d, t, 'no_wait')) {
          leave(d, t, 'EAGAIN');
          return;
        }
        spin_unlock(d, ctxArg(d, t), 'fd_wqh', t);
        goTo(d, t, 'schedule');
      },
    },
    resolve_userfault_fork: {
      doc: 'resolve_userfault_fork(): anon_inode_create_getfd() for the new ctx (msg.arg.fork.ufd); spin_lock_irq(event_wqh.lock); if fork_event is not empty (the fork thread did not abort): userfaultfd_ctx_put(fork_nctx), list_del + __add_wait_queue(event_wqh), userfaultfd_event_complete(); spin_unlock_irq',
      ...spinGuarded('event_wqh'),
      run: (d, t) => {
        const ctx = ctxArg(d, t);
        const c = ctxOf(d, ctx);
        const msg = local<Json>(d, t, 'msg') as unknown as ForkMsg;
        const n = ctxOf(d, msg.ctx);
        n.fd_open = true;   // the new fd, installed in the reader's file table
        n.file_refs = 1;
        const ewq = c.fork_in_transit;
        if (ewq !== null) {
          n.refcount -= 1;  // the fork thread did not abort: drop the temporary reference
          c.fork_in_transit = null;
          c.event_wqh.unshift(ewq);
          userfaultfd_event_complete(d, ctx, ewq.tid);
        }
        ret(d, t, { ...msg } as never);
      },
    },
    schedule: {
      doc: 'schedule(): sleep until a faulter (wake_up_poll) or userfaultfd_release() wakes the reader',
      guard: (s, t) => thread(s, t).task === 'RUNNING',
      local: true, // returning from schedule() touches nothing shared: it joins the next step
      waitsFor: (s, t) => `asleep (TASK_${thread(s, t).task}) in read() on ${ctxOf(s, ctxArg(s, t)).name}.fd_wqh: no fault or event to read`,
      run: (d, t) => goTo(d, t, 'find_userfault'),
    },
  },
};

/**
 * Locals: ctx, max (room for this many 32-byte messages), no_wait, count.
 * Returns the number of messages read, or the errno of the first ctx_read.
 * Messages are delivered to the thread's user-space inbox (copy_to_iter).
 */
export const userfaultfd_read_iter: KernelFn = {
  name: 'userfaultfd_read_iter',
  cites: 'fs/userfaultfd.c: userfaultfd_read_iter()',
  entry: 'userfaultfd_is_initialized',
  steps: {
    userfaultfd_is_initialized: {
      doc: 'if (!userfaultfd_is_initialized(ctx)) return -EINVAL; no_wait = O_NONBLOCK; then userfaultfd_ctx_read()',
      local: true,
      run: (d, t, k) => {
        const c = ctxOf(d, ctxArg(d, t));
        if (!userfaultfd_is_initialized(c)) {
          ret(d, t, 'EINVAL');
          return;
        }
        setLocal(d, t, 'no_wait', c.nonblock);
        call(d, t, k, 'userfaultfd_ctx_read', { ctx: ctxArg(d, t), no_wait: c.nonblock }, 'copy_to_iter');
      },
    },
    copy_to_iter: {
      doc: 'copy_to_iter(msg) to the user buffer; only the first message may block: no_wait = true; read more while the buffer has room',
      local: true,
      run: (d, t, k) => {
        const f = last(thread(d, t).frames)!;
        const count = local<number>(d, t, 'count');
        if (typeof f.rv === 'string') {
          ret(d, t, count > 0 ? count : f.rv);
          return;
        }
        thread(d, t).user.inbox.push(f.rv as unknown as UffdMsg);
        setLocal(d, t, 'count', count + 1);
        if (count + 1 >= local<number>(d, t, 'max')) {
          ret(d, t, count + 1);
          return;
        }
        call(d, t, k, 'userfaultfd_ctx_read', { ctx: ctxArg(d, t), no_wait: true }, 'copy_to_iter');
      },
    },
  },
};
