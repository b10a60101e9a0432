/**
 * handle_userfault() — fs/userfaultfd.c @ v6.18, for VM_UFFD_MISSING faults on
 * anon, shmem and hugetlb VMAs and VM_UFFD_MINOR faults on shmem and hugetlb VMAs
 * (local `reason`), entered with mmap_lock held for read (no PTL; a hugetlb
 * fault has dropped its fault mutex and vma lock in hugetlb_handle_userfault()).
 * For both reasons userfaultfd_must_wait() — userfaultfd_huge_must_wait() for
 * hugetlb, the same test here — waits while the pte is none (pte_none_mostly()).
 * For hugetlb, handle_userfault() re-takes hugetlb_vma_lock_read() before
 * __add_wait_queue() and drops it right after userfaultfd_huge_must_wait(),
 * before release_fault_lock() and schedule(); omitted here: the model's
 * hugetlb vma lock has no writer, so taking it for read never waits.
 *
 *   released        READ_ONCE(ctx->released): if set, release_fault_lock(), return VM_FAULT_RETRY
 *                   (else userfaultfd_ctx_get(), build the uwq on the stack)
 *   queue           spin_lock(fault_pending_wqh.lock); __add_wait_queue(); set_current_state(); unlock
 *   must_wait       userfaultfd_must_wait(): lockless pte read, pte_none -> must wait
 *   release_fault_lock  mmap_read_unlock()
 *   released_before_sleep  READ_ONCE(ctx->released); if !(must_wait && !released): __set_current_state(RUNNING)
 *   wake_up_poll    wake_up_poll(&ctx->fd_wqh, EPOLLIN): wake readers (takes fd_wqh.lock)
 *   schedule        sleeps until the task is RUNNING; returns at once if a wake came first
 *   list_empty_careful  lockless: is our uwq still linked (not removed by the waker)?
 *   list_del        spin_lock(fault_pending_wqh.lock); list_del(); unlock
 * then userfaultfd_ctx_put() and return VM_FAULT_RETRY: the caller retries the fault.
 *
 * Not modelled: SIGBUS feature, UFFD_USER_MODE_ONLY, FAULT_FLAG_RETRY_NOWAIT (GUP),
 * missing FAULT_FLAG_ALLOW_RETRY, the WP reason, signals.
 * The blocking state is TASK_INTERRUPTIBLE (a user fault: FAULT_FLAG_INTERRUPTIBLE).
 */
import type { KernelFn } from '../engine.js';
import { goTo, local, ret, setLocal } from '../engine.js';
import type { KernelState } from '../state.js';
import { noThreadDoes, PAGEFAULT_FLAG_MINOR, PAGEFAULT_FLAG_WRITE } from '../state.js';
import { mmap_read_unlock, noMmapLockWriter } from '../kernel/rwsem.js';
import { set_current_state } from '../kernel/sched.js';
import { ctxArg, ctxOf, spinGuarded, uwqLinked, wakeUpPollStep } from './ctx.js';
import { pteStable } from '../mm/vma.js';


/**
 * READ_ONCE(ctx->released) reads a value only userfaultfd_release() writes: in
 * a scenario where no thread closes a uffd it is a constant, so reading it is
 * not a scheduling point. (Writing `set_current_state(RUNNING)` on the
 * no-sleep path is the thread's own state, which no waker can change then.)
 */
export function neverReleased(s: KernelState): boolean {
  return noThreadDoes(s, ['close']);
}

/** userfaultfd_must_wait() — lockless page-table walk: true while the pte is none. */
export function userfaultfd_must_wait(s: KernelState, page: number): boolean {
  return (s.mm.pte[page] ?? null) === null;
}

/** Locals: ctx, page, write, reason, must_wait. Returns 'VM_FAULT_RETRY'. */
export const handle_userfault: KernelFn = {
  name: 'handle_userfault',
  cites: 'fs/userfaultfd.c: handle_userfault()',
  entry: 'released',
  steps: {
    released: {
      doc: 'if (READ_ONCE(ctx->released)) { release_fault_lock(); return VM_FAULT_RETRY; } userfaultfd_ctx_get(); build uwq',
      local: neverReleased,
      run: (d, t) => {
        const c = ctxOf(d, ctxArg(d, t));
        if (c.released) {
          mmap_read_unlock(d, t);
          ret(d, t, 'VM_FAULT_RETRY');
          return;
        }
        c.refcount += 1;
        goTo(d, t, 'queue');
      },
    },
    queue: {
      doc: 'spin_lock(fault_pending_wqh.lock); __add_wait_queue(&ctx->fault_pending_wqh, &uwq.wq); set_current_state(TASK_INTERRUPTIBLE); spin_unlock',
      ...spinGuarded('fault_pending_wqh'),
      run: (d, t) => {
        const c = ctxOf(d, ctxArg(d, t));
        // After the __add_wait_queue the uwq is visible to userland through poll/read().
        c.fault_pending_wqh.unshift({
          tid: t,
          // userfault_msg(): UFFD_PAGEFAULT_FLAG_WRITE for a write; UFFD_PAGEFAULT_FLAG_MINOR when reason & VM_UFFD_MINOR.
          msg: { event: 'UFFD_EVENT_PAGEFAULT', address: local<number>(d, t, 'page'), flags: (local<boolean>(d, t, 'write') ? PAGEFAULT_FLAG_WRITE : 0) | (local<string>(d, t, 'reason') === 'VM_UFFD_MINOR' ? PAGEFAULT_FLAG_MINOR : 0) },
        });
        set_current_state(d, t, 'INTERRUPTIBLE');
        goTo(d, t, 'must_wait');
      },
    },
    must_wait: {
      doc: 'must_wait = userfaultfd_must_wait(ctx, vmf, reason): lockless pte read, true while pte_none',
      local: (s, t) => pteStable(s, local<number>(s, t, 'page')), // a present pte nothing can change: see model/mm/vma.ts
      run: (d, t) => {
        setLocal(d, t, 'must_wait', userfaultfd_must_wait(d, local<number>(d, t, 'page')));
        goTo(d, t, 'release_fault_lock');
      },
    },
    release_fault_lock: {
      doc: 'release_fault_lock(vmf): mmap_read_unlock(mm)',
      local: noMmapLockWriter, // with no writer in the scenario, up_read() commutes with every step (model/kernel/rwsem.ts)
      run: (d, t) => {
        mmap_read_unlock(d, t);
        goTo(d, t, 'released_before_sleep');
      },
    },
    released_before_sleep: {
      doc: 'if (must_wait && !READ_ONCE(ctx->released)) sleep; else __set_current_state(TASK_RUNNING)',
      // Local without close(), when it only goes on to sleep (must_wait). Its __set_current_state(TASK_RUNNING)
      // is read by try_to_wake_up(): a spurious wakeup records "woken" or "running", so with one in the
      // scenario the step is a scheduling point. The uffd wake function also reads it (it unlinks the uwq
      // only when the wakeup succeeds), but both orders end the same: unlinked by the waker, or by this
      // thread's list_del, with nothing recorded between.
      local: (s, t) => neverReleased(s) && (local<boolean>(s, t, 'must_wait') || noThreadDoes(s, ['spurious_wakeup'])),
      run: (d, t) => {
        if (local<boolean>(d, t, 'must_wait') && !ctxOf(d, ctxArg(d, t)).released) {
          goTo(d, t, 'wake_up_poll');
        } else {
          set_current_state(d, t, 'RUNNING');
          goTo(d, t, 'list_empty_careful');
        }
      },
    },
    wake_up_poll: wakeUpPollStep('schedule'),
    schedule: {
      doc: 'schedule(): sleep until woken (returns at once if a wake already set TASK_RUNNING); then __set_current_state(TASK_RUNNING)',
      guard: (s, t) => s.threads[t]?.task === 'RUNNING',
      local: true, // returning from schedule() touches nothing shared: it joins the next step
      waitsFor: (s, t) => {
        const c = ctxOf(s, ctxArg(s, t));
        const on = c.fault_pending_wqh.some(u => u.tid === t) ? `on ${c.name}.fault_pending_wqh`
          : c.fault_wqh.some(u => u.tid === t) ? `on ${c.name}.fault_wqh`
          : c.refile_in_transit?.tid === t ? `with its uwq being refiled by ${s.threads[c.locks.fault_pending_wqh ?? -1]?.name ?? 'a reader'} (on neither queue)`
          : 'with its uwq on no queue (removed by a waker)';
        return `asleep (TASK_${s.threads[t]?.task}) ${on}, page ${local<number>(s, t, 'page')}`;
      },
      run: (d, t) => {
        goTo(d, t, 'list_empty_careful');
      },
    },
    list_empty_careful: {
      doc: 'if (!list_empty_careful(&uwq.wq.entry)): still queued (nobody woke us through the wake function) -> locked list_del',
      // Unlinked: once a waker has unlinked the uwq (and no refile holds it), nobody links it again,
      // and without close() the ctx keeps the file's reference, so the userfaultfd_ctx_put() is seen
      // by no one. Linked: this thread is RUNNING here (past schedule(), or it never slept), and
      // userfaultfd_wake_function() unlinks an entry only when wake_up_state() woke its task (the
      // release's wake goes through it too); a refile moves it between the queues (refile_in_transit
      // counts as linked). So only this thread's list_del unlinks it now: local either way.
      // Simplified: the kernel's wake function sets the task RUNNING and then list_del_init()s the
      // entry, so a woken thread can still see it linked and go to list_del, where it waits for
      // fault_pending_wqh.lock, which the waker holds throughout; the model wakes and unlinks in one
      // step (wake.ts wakeQueue()), so here linked means no waker took it.
      local: (s, t) => uwqLinked(ctxOf(s, ctxArg(s, t)), t) || neverReleased(s),
      run: (d, t) => {
        const c = ctxOf(d, ctxArg(d, t));
        if (uwqLinked(c, t)) {
          goTo(d, t, 'list_del');
        } else {
          c.refcount -= 1; // userfaultfd_ctx_put()
          ret(d, t, 'VM_FAULT_RETRY');
        }
      },
    },
    list_del: {
      doc: 'spin_lock(fault_pending_wqh.lock); list_del(&uwq.wq.entry); spin_unlock; userfaultfd_ctx_put()',
      ...spinGuarded('fault_pending_wqh'),
      run: (d, t) => {
        const c = ctxOf(d, ctxArg(d, t));
        c.fault_pending_wqh = c.fault_pending_wqh.filter(u => u.tid !== t);
        c.fault_wqh = c.fault_wqh.filter(u => u.tid !== t);
        c.refcount -= 1;
        ret(d, t, 'VM_FAULT_RETRY');
      },
    },
  },
};
