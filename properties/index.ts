/**
 * The property registry: named checks over model states, each with a
 * one-line description and the kernel code it guards. Properties only read
 * states (model/state.ts); they never run the model.
 */
import type { Property } from '../checker/model.js';
import type { KernelState, Thread, Tid } from '../model/state.js';
import { holdsMmapLock } from '../model/kernel/rwsem.js';
import { spinlocksHeld } from '../model/kernel/spinlock.js';
import { faultMutexesHeld, faultMutexOwner, hugetlb_fault_mutex_hash } from '../model/mm/hugetlb.js';
import { vma_lookup } from '../model/mm/vma.js';

/** A thread asleep in handle_userfault(): at its schedule() step, task not RUNNING. */
export function asleepInHandleUserfault(th: Thread): boolean {
  const f = th.frames.at(-1);
  return f !== undefined && f.fn === 'handle_userfault' && f.at === 'schedule' && th.task !== 'RUNNING';
}

/** A monitor asleep in read() with nothing to read: a successful end for a monitor. */
export function idleInRead(th: Thread): boolean {
  const f = th.frames.at(-1);
  return f !== undefined && f.fn === 'userfaultfd_ctx_read' && f.at === 'schedule' && th.task !== 'RUNNING';
}

/** A thread asleep in userfaultfd_event_wait_completion(): an event producer waiting for its event to be read. */
export function asleepInEventWait(th: Thread): boolean {
  const f = th.frames.at(-1);
  return f !== undefined && f.fn === 'userfaultfd_event_wait_completion' && f.at === 'schedule' && th.task !== 'RUNNING';
}

/**
 * Why a fill installed a page that it should not have, or null (property
 * no-fill-during-event): at the install an event of the fill's ctx was in
 * flight, and it is not a REMOVE prepped after the fill's last mmap_changing
 * check (REMOVE is raised under mmap_lock for read, so a fill that checked
 * before may still install: the zap after the ACK removes that page).
 */
function fillDuringEvent(s: KernelState): string | null {
  for (const f of s.fills_in_event) {
    const bad = f.at_install.find(e => e.kind !== 'REMOVE' || f.at_check.includes(e.id));
    if (bad === undefined) continue;
    const who = s.threads[f.tid]?.name ?? String(f.tid);
    const c = s.uffd[f.ctx]?.name ?? String(f.ctx);
    const when = bad.kind === 'REMOVE' ? 'prepped before the fill checked mmap_changing' : 'prepped and not yet completed';
    return `${who}'s fill installed page ${f.page} through ${c} while a ${bad.kind} event of ${c} was in flight (${when}): the fill should have failed with EAGAIN`;
  }
  return null;
}

/** Event kinds the scenario's operations can raise, and the feature each needs. */
const EVENT_FEATURE: { readonly [op: string]: string } = {
  munmap: 'UFFD_FEATURE_EVENT_UNMAP',
  madvise: 'UFFD_FEATURE_EVENT_REMOVE',
  mremap: 'UFFD_FEATURE_EVENT_REMAP',
  fork: 'UFFD_FEATURE_EVENT_FORK',
};

/**
 * Why the monitor view of some ctx disagrees with the page tables, or null
 * (property monitor-view-consistent). Judged only once nothing is in flight:
 * no event prepped and unread, no thread inside a kernel call (only idle or
 * finished threads). Ctxs that lack an event feature some operation of the
 * scenario needs are skipped: their monitor cannot know. Only private
 * anonymous VMAs are compared: for shmem the page cache outlives the ptes
 * (a fault maps a cached page without asking the monitor).
 */
function viewInconsistent(s: KernelState): string | null {
  if (s.events.length > 0) return null;
  if (s.threads.some(th => th.frames.length > 1 && !idleInRead(th))) return null;
  const needed = [...new Set(s.threads.flatMap(th => th.does).map(d => EVENT_FEATURE[d]).filter((f): f is string => f !== undefined))];
  for (let i = 0; i < s.uffd.length; i++) {
    const c = s.uffd[i]!;
    if (c.released || !needed.every(f => c.features.includes(f))) continue;
    const view = s.view[i] ?? [];
    for (const mm of [s.mm, ...s.children]) {
    for (const v of mm.vmas.filter(x => x.uffd === i && x.kind === 'anon')) {
      for (let p = v.start; p < v.end; p++) {
        const present = (mm.pte[p] ?? null) !== null;
        if (present !== view.includes(p)) {
          return `${c.name}'s monitor thinks page ${p}${mm === s.mm ? '' : ' of the child'} is ${present ? 'missing' : 'present'}, but it is ${present ? 'present' : 'missing'} (every event has been read)`;
        }
      }
    }
    }
  }
  return null;
}

/**
 * Why some VMA's uffd fields are incoherent, or null (property
 * vma-ctx-coherent, known-bugs G5): vm_userfaultfd_ctx set iff a VM_UFFD_*
 * flag is, and the ctx it points at is alive (ghost refcount > 0).
 */
function vmaCtxIncoherent(s: KernelState): string | null {
  const mms: [string, KernelState['mm']['vmas']][] = [['', s.mm.vmas], ...s.children.map((c, i): [string, KernelState['mm']['vmas']] => [` of child ${i}`, c.vmas])];
  for (const [where, vmas] of mms) {
    for (const v of vmas) {
      const range = `VMA [${v.start}, ${v.end})${where}`;
      if (v.uffd === null && v.uffd_flags.length > 0) return `${range} has ${v.uffd_flags.join('|')} but no vm_userfaultfd_ctx (BUG_ON in userfaultfd_release()/register)`;
      if (v.uffd !== null && v.uffd_flags.length === 0) return `${range} points at ${s.uffd[v.uffd]?.name ?? v.uffd} without any VM_UFFD_* flag`;
      if (v.uffd !== null && (s.uffd[v.uffd]?.refcount ?? 0) <= 0) return `${range} points at ${s.uffd[v.uffd]?.name ?? v.uffd}, which has been freed (refcount 0): a use-after-free`;
    }
  }
  return null;
}

/** Why a fork's FORK events are wrong, or null (property fork-event-iff-success). */
function forkDelivery(s: KernelState): string | null {
  for (const r of s.forks) {
    const who = `${s.threads[r.tid]?.name ?? r.tid}'s fork()`;
    if (r.ok === false && r.got.length > 0) return `${who} failed, yet a FORK event reached ${r.got.map(c => s.uffd[c]?.name ?? c).join(', ')}: the monitor gets a uffd for a child that is being torn down`;
    const dup = r.got.find((c, i) => r.got.indexOf(c) !== i);
    if (dup !== undefined) return `${who} delivered two FORK events to ${s.uffd[dup]?.name ?? dup}`;
  }
  return null;
}

/** Why the ghost munmap records show a wrong UNMAP delivery, or null (property unmap-event-exactly-once). */
function unmapDelivery(s: KernelState): string | null {
  for (const r of s.unmaps) {
    const who = `${s.threads[r.tid]?.name ?? r.tid}'s munmap of pages [${r.start}, ${r.end})`;
    const ctxName = (c: number): string => s.uffd[c]?.name ?? String(c);
    for (const g of r.got) {
      if (g.start !== r.start || g.end !== r.end) return `${who} sent ${ctxName(g.ctx)} an UNMAP event for [${g.start}, ${g.end}), not the whole range`;
      if (!r.expect.includes(g.ctx)) return `${who} sent an UNMAP event to ${ctxName(g.ctx)}, which had no VMA in the range with UFFD_FEATURE_EVENT_UNMAP`;
    }
    for (const c of r.expect) {
      const n = r.got.filter(g => g.ctx === c).length;
      if (n > 1) return `${who} delivered ${n} UNMAP events to ${ctxName(c)} (expected exactly one per ctx)`;
      if (r.done && n === 0 && !(s.uffd[c]?.released ?? false)) return `${who} returned, but ${ctxName(c)} (open, with UFFD_FEATURE_EVENT_UNMAP) never got its UNMAP event`;
    }
  }
  return null;
}

function where(th: Thread): string {
  const f = th.frames.at(-1);
  return f === undefined ? 'exited' : `${f.fn}():${f.at}`;
}

/**
 * Why a sleeping faulter can never be woken although it should be, or null.
 * Its wake condition: its page became present, its range is no longer
 * MISSING-registered, or its uffd was released.
 */
function lostWakeup(s: KernelState, t: Tid): string | null {
  const th = s.threads[t]!;
  if (!asleepInHandleUserfault(th)) return null;
  const f = th.frames.at(-1)!;
  const page = f.locals['page'] as number;
  const ctx = s.uffd[f.locals['ctx'] as number]!;
  if ((s.mm.pte[page] ?? null) !== null) return `${th.name} asleep in handle_userfault() for page ${page}, which is present`;
  const vma = s.mm.vmas.find(v => v.start <= page && page < v.end);
  // An unmapped page is not a wake condition: munmap wakes no uffd waiter (the
  // real 6.18 kernel leaves such a thread asleep until a WAKE or close), so a
  // thread stuck there is reported by no-deadlock, not as a lost wakeup.
  // userfaultfd_unregister() wakes only the waiters of a VMA with VM_UFFD_MISSING: a MINOR
  // waiter whose range is unregistered stays asleep on the kernel too (no-deadlock reports it).
  if (vma !== undefined && f.locals['reason'] !== 'VM_UFFD_MINOR' && !vma.uffd_flags.includes('VM_UFFD_MISSING')) return `${th.name} asleep in handle_userfault() for page ${page}, which is no longer registered`;
  if (ctx.released) return `${th.name} asleep in handle_userfault() on ${ctx.name}, which was released (closed)`;
  return null;
}

/** One line per blocked thread: who, where, waiting for what. Uses the step's own description when the model gives one. */
export type Explain = (s: KernelState, t: Tid) => string;

export function makeProperties(explain: Explain): Property<KernelState>[] {
  return [
    {
      kind: 'always',
      name: 'lock-discipline',
      description: 'nobody sleeps in handle_userfault() or userfaultfd_event_wait_completion() holding mmap_lock or a spinlock; mmap_lock holders and waiters are consistent',
      cites: 'fs/userfaultfd.c: handle_userfault() (release_fault_lock() before schedule()), userfaultfd_event_wait_completion(); mm/mmap.c: __vm_munmap(); kernel/locking/rwsem.c',
      violation: s => {
        const l = s.mm.mmap_lock;
        if (l.writer !== null && l.readers.length > 0) return `mmap_lock held for write by ${s.threads[l.writer]!.name} and for read by ${l.readers.map(r => s.threads[r]!.name).join(', ')}`;
        for (const w of l.waiters) {
          if (holdsMmapLock(s, w.tid) !== null) return `${s.threads[w.tid]!.name} both holds and waits for mmap_lock`;
        }
        for (let t = 0; t < s.threads.length; t++) {
          const th = s.threads[t]!;
          const fn = asleepInHandleUserfault(th) ? 'handle_userfault' : asleepInEventWait(th) ? 'userfaultfd_event_wait_completion' : null;
          if (fn === null) continue;
          const m = holdsMmapLock(s, t);
          if (m !== null) return `${th.name} sleeps in ${fn}() holding mmap_lock for ${m}`;
          const spins = spinlocksHeld(s, t);
          if (spins.length > 0) return `${th.name} sleeps in ${fn}() holding ${spins.join(', ')}`;
        }
        return null;
      },
    },
    {
      kind: 'always',
      name: 'fault-sees-monitor-data',
      description: 'an access that completes sees the data last stored in the page (the monitor\'s COPY content, 0 after ZEROPAGE, or the thread\'s write)',
      cites: 'mm/userfaultfd.c: mfill_atomic_install_pte(); fs/userfaultfd.c: handle_userfault() retry',
      violation: s => {
        for (const th of s.threads) {
          for (const o of th.user.outcomes) {
            if (o.what === 'read' && o.expected !== null && o.value !== o.expected) {
              return `${th.name} read page ${o.page} and saw ${o.value}, but ${o.expected} was stored there`;
            }
          }
        }
        return null;
      },
    },
    {
      kind: 'terminal',
      name: 'no-lost-wakeup',
      description: 'no thread stays asleep in handle_userfault() once its page is present, its range unregistered, or its uffd closed',
      cites: 'fs/userfaultfd.c: handle_userfault(), wake_userfault(), userfaultfd_wake_function(), userfaultfd_unregister(), userfaultfd_release()',
      violation: s => {
        const lost = s.threads.map((_, t) => lostWakeup(s, t)).filter((x): x is string => x !== null);
        return lost.length === 0 ? null : `${lost.join('; ')}. ${stuckReport(s, explain)}`;
      },
    },
    {
      kind: 'terminal',
      name: 'no-deadlock',
      description: 'at the end every worker has finished and every monitor has finished or waits in read() with nothing to read',
      cites: 'fs/userfaultfd.c: handle_userfault(), userfaultfd_ctx_read(); kernel/locking/rwsem.c',
      violation: s => {
        const stuck = s.threads.filter(th => th.frames.length > 0 && !(th.role === 'monitor' && idleInRead(th)));
        return stuck.length === 0 ? null : stuckReport(s, explain);
      },
    },
    {
      kind: 'always',
      name: 'unmap-event-exactly-once',
      description: 'each munmap() sends exactly one UNMAP event, for its whole range, to each open ctx with UFFD_FEATURE_EVENT_UNMAP that had a VMA in the range, and none to any other ctx (checked on ghost records written when the range was gathered)',
      cites: 'fs/userfaultfd.c: userfaultfd_unmap_prep(), has_unmap_ctx(), userfaultfd_unmap_complete(); mm/vma.c: vms_gather_munmap_vmas()',
      violation: unmapDelivery,
    },
    {
      kind: 'always',
      name: 'mmap-changing-balanced',
      description: 'each ctx\'s mmap_changing equals the events prepped and not yet completed or cancelled (ghost records opened at each prep, closed where the kernel lowers the counter for that event)',
      cites: 'fs/userfaultfd.c: userfaultfd_unmap_prep(), userfaultfd_remove(), mremap_userfaultfd_prep(), dup_userfaultfd() (atomic_inc); userfaultfd_event_wait_completion(), dup_userfaultfd_fail() (atomic_dec)',
      violation: s => {
        for (let i = 0; i < s.uffd.length; i++) {
          const c = s.uffd[i]!;
          const n = s.events.filter(e => e.ctx === i).length;
          if (c.mmap_changing !== n) return `${c.name}.mmap_changing is ${c.mmap_changing}, but ${n} event${n === 1 ? ' is' : 's are'} in flight`;
        }
        return null;
      },
    },
    {
      kind: 'always',
      name: 'no-fill-during-event',
      description: 'no COPY/ZEROPAGE installs a page in a ctx while an event of that ctx is between its prep and its completion, except a REMOVE prepped after the fill\'s mmap_changing check (REMOVE runs under mmap_lock for read)',
      cites: 'fs/userfaultfd.c: userfaultfd_copy() (entry check); mm/userfaultfd.c: mfill_atomic() (check under map_changing_lock); df2cc96e7701, a759a909d42d',
      violation: fillDuringEvent,
    },
    {
      kind: 'always',
      name: 'no-sigbus',
      description: 'no access ends in SIGBUS: without UFFD_FEATURE_SIGBUS (not modelled) a registered fault waits for the monitor, however often it is woken',
      cites: 'fs/userfaultfd.c: handle_userfault(); arch/x86/mm/fault.c: do_user_addr_fault() retry; 15a77c6fe494, 4064b9827063',
      violation: s => {
        for (const th of s.threads) {
          const o = th.user.outcomes.find(x => x.ret === 'SIGBUS');
          if (o !== undefined) return `${th.name}'s access to page ${o.page} got SIGBUS`;
        }
        return null;
      },
    },
    {
      kind: 'always',
      name: 'vma-ctx-coherent',
      description: 'in the parent and every child mm, a VMA has vm_userfaultfd_ctx iff it has a VM_UFFD_* flag, and that ctx is alive (ghost refcount > 0)',
      cites: 'known-bugs G5; fs/userfaultfd.c: userfaultfd_release() BUG_ON, userfaultfd_event_wait_completion() release_new_ctx; 0cbb4b4f4c44',
      violation: vmaCtxIncoherent,
    },
    {
      kind: 'always',
      name: 'fork-event-iff-success',
      description: 'a FORK event reaches the monitor only for a fork() that succeeded, at most once per ctx',
      cites: 'mm/mmap.c: dup_mmap() (dup_userfaultfd_complete() vs dup_userfaultfd_fail()); f64e67e5d3a4 (CVE-2024-50220)',
      violation: forkDelivery,
    },
    {
      kind: 'always',
      name: 'monitor-view-consistent',
      description: 'once every event has been read and no syscall is in progress, each ctx\'s monitor view (successful fills, REMOVE/UNMAP/REMAP/FORK reads) matches which of its registered anonymous pages are present',
      cites: 'known-bugs G1; fs/userfaultfd.c: userfaultfd_event_wait_completion(), userfaultfd_ctx_read()',
      violation: viewInconsistent,
    },
    {
      kind: 'always',
      name: 'private-file-pte-readonly',
      description: 'in a MAP_PRIVATE file (shmem or hugetlbfs) mapping, a pte that maps the page-cache folio is read-only: a write through it CoWs first and never reaches the file (so a UFFDIO_CONTINUE page is not writable until CoW)',
      cites: 'mm/userfaultfd.c: mfill_atomic_install_pte() ("if (page_in_cache && !vm_shared) writable = false"); mm/hugetlb.c: hugetlb_mfill_atomic_pte() ("!(is_continue && !vm_shared)"); mm/memory.c: do_read_fault(), do_wp_page()',
      violation: s => {
        for (const v of s.mm.vmas) {
          if (v.kind === 'anon' || v.shared) continue;
          for (let p = v.start; p < v.end; p++) {
            const pte = s.mm.pte[p] ?? null;
            if (pte !== null && pte.cache && pte.writable) return `page ${p} of a MAP_PRIVATE mapping maps the page-cache folio writable: a write would change the file`;
          }
        }
        return null;
      },
    },
    {
      kind: 'always',
      name: 'hugetlb-mutual-exclusion',
      description: 'every path that instantiates a huge page for (mapping, index) — hugetlb_no_page() in a fault, hugetlb_mfill_atomic_pte() in a fill — holds that index\'s hugetlb fault mutex when it does',
      cites: 'known-bugs G8; mm/hugetlb.c: hugetlb_fault() ("Serialize hugepage allocation and instantiation"), hugetlb_fault_mutex_hash(); mm/userfaultfd.c: mfill_atomic_hugetlb()',
      violation: s => {
        for (let t = 0; t < s.threads.length; t++) {
          const f = s.threads[t]!.frames.at(-1);
          if (f === undefined || !((f.fn === 'hugetlb_fault' && f.at === 'hugetlb_no_page') || (f.fn === 'mfill_atomic' && f.at === 'hugetlb_mfill_atomic_pte'))) continue;
          // The page itself, not the frame's `hash` local: a path that hashed the wrong index is caught too.
          const page = f.fn === 'mfill_atomic' ? (f.locals['dst'] as number) + (f.locals['copied'] as number) : f.locals['page'] as number;
          const vma = vma_lookup(s, page);
          if (vma === null) continue;
          const hash = hugetlb_fault_mutex_hash(s, vma, page);
          if (faultMutexOwner(s, hash) !== t) {
            return `${s.threads[t]!.name} is about to instantiate huge page ${page} in ${f.fn}() without holding hugetlb_fault_mutex_table[${hash}]`;
          }
        }
        return null;
      },
    },
    {
      kind: 'always',
      name: 'no-sleep-holding-fault-mutex',
      description: 'nobody sleeps in handle_userfault() holding a hugetlb fault mutex or the hugetlb vma lock (the fill that would wake it needs them)',
      cites: 'known-bugs #10, G8; mm/hugetlb.c: hugetlb_handle_userfault() ("vma_lock and hugetlb_fault_mutex must be dropped before handling userfault")',
      violation: s => {
        for (let t = 0; t < s.threads.length; t++) {
          const th = s.threads[t]!;
          if (!asleepInHandleUserfault(th)) continue;
          const held = faultMutexesHeld(s, t).map(hash => `hugetlb_fault_mutex_table[${hash}]`);
          if (th.frames.some(f => f.fn === 'hugetlb_fault' && f.locals['vma_lock'] === true)) held.push('the hugetlb vma lock');
          if (held.length > 0) return `${th.name} sleeps in handle_userfault() holding ${held.join(' and ')}`;
        }
        return null;
      },
    },
    {
      kind: 'always',
      name: 'no-pte-outside-vma',
      description: 'every present pte lies inside a VMA: nothing is installed into an unmapped range',
      cites: 'mm/userfaultfd.c: mfill_atomic() (validate_dst_vma under mmap_lock); mm/vma.c: vms_complete_munmap_vmas()',
      violation: s => {
        for (let p = 0; p < s.mm.pte.length; p++) {
          if ((s.mm.pte[p] ?? null) !== null && !s.mm.vmas.some(v => v.start <= p && p < v.end)) return `page ${p} has a pte but no VMA`;
        }
        return null;
      },
    },
    {
      kind: 'terminal',
      name: 'events-acked',
      description: 'at the end no thread waits in userfaultfd_event_wait_completion() for its event to be read',
      cites: 'fs/userfaultfd.c: userfaultfd_event_wait_completion(), userfaultfd_event_complete(), userfaultfd_ctx_read()',
      violation: s => {
        const stuck = s.threads.filter(th => th.frames.some(f => f.fn === 'userfaultfd_event_wait_completion'));
        return stuck.length === 0 ? null : `${stuck.map(th => th.name).join(', ')} still wait${stuck.length === 1 ? 's' : ''} for an event to be read. ${stuckReport(s, explain)}`;
      },
    },
    {
      kind: 'sometimes',
      name: 'fault-sleeps',
      description: 'some run has a thread actually asleep in handle_userfault() (the scenario exercises the wait)',
      cites: 'fs/userfaultfd.c: handle_userfault()',
      applies: s => s.mm.vmas.some(v => v.uffd !== null) && s.threads.some(th => th.does.includes('read') || th.does.includes('write')),
      reached: s => s.threads.some(asleepInHandleUserfault),
    },
    {
      kind: 'sometimes',
      name: 'monitor-reads-fault',
      description: 'some run has a monitor read a page-fault message',
      cites: 'fs/userfaultfd.c: userfaultfd_ctx_read()',
      applies: s => s.threads.some(th => th.does.some(d => d === 'read_msgs' || d === 'serve')) && s.threads.some(th => th.does.includes('read') || th.does.includes('write')),
      reached: s => s.threads.some(th => th.user.outcomes.some(o => o.what === 'read()' && (o.value ?? 0) > 0)),
    },
    {
      kind: 'sometimes',
      name: 'monitor-reads-unmap',
      description: 'some run has a reader dequeue an UNMAP event',
      cites: 'fs/userfaultfd.c: userfaultfd_ctx_read(), userfaultfd_event_complete()',
      applies: s => s.threads.some(th => th.does.includes('munmap')) && s.uffd.some(c => c.features.includes('UFFD_FEATURE_EVENT_UNMAP')) &&
        s.threads.some(th => th.does.some(d => d === 'read_msgs' || d === 'serve' || d === 'resolve')),
      reached: s => s.unmaps.some(r => r.got.length > 0),
    },
    {
      kind: 'sometimes',
      name: 'fork-reaches-its-end',
      description: 'some run has a fork() get through dup_mmap() (to success or to its failure path)',
      cites: 'mm/mmap.c: dup_mmap()',
      applies: s => s.threads.some(th => th.does.includes('fork')),
      reached: s => s.forks.some(r => r.ok !== null),
    },
    {
      kind: 'sometimes',
      name: 'event-aborted-by-release',
      description: 'some run has an event producer leave userfaultfd_event_wait_completion() unacknowledged because its uffd was released (close)',
      cites: 'fs/userfaultfd.c: userfaultfd_event_wait_completion() (READ_ONCE(ctx->released)), userfaultfd_release() (wake_up_all(&ctx->event_wqh))',
      applies: s => s.threads.some(th => th.does.includes('close')) && s.threads.some(th => th.does.some(d => d === 'munmap' || d === 'madvise' || d === 'mremap' || d === 'fork')),
      reached: s => s.threads.some(th => th.frames.some(f => f.fn === 'userfaultfd_event_wait_completion' && f.at === '__set_current_state(TASK_RUNNING)' && (f.locals['msg'] as { event?: unknown } | undefined)?.event !== 0)),
    },
    {
      kind: 'sometimes',
      name: 'spurious-wakeup-lands',
      description: 'some run has a spurious wakeup reach a sleeping thread',
      cites: 'kernel/sched/core.c: try_to_wake_up()',
      applies: s => s.threads.some(th => th.does.includes('spurious_wakeup')),
      reached: s => s.threads.some(th => th.user.outcomes.some(o => o.what === 'spurious_wakeup' && o.ret === 'woken')),
    },
    {
      kind: 'sometimes',
      name: 'eagain-observed',
      description: 'some run has UFFDIO_COPY (or UFFDIO_CONTINUE) fail with EAGAIN because a non-cooperative event is pending (mmap_changing); applies where a thread issues UFFDIO_COPY itself or a monitor retries on EAGAIN',
      cites: 'fs/userfaultfd.c: userfaultfd_copy(); mm/userfaultfd.c: mfill_atomic()',
      applies: s => s.uffd.some(c => c.features.some(f => f.startsWith('UFFD_FEATURE_EVENT_'))) && s.threads.some(th => th.does.some(d => d === 'copy' || d === 'retry-on-eagain')),
      reached: s => s.threads.some(th => th.user.outcomes.some(o => (o.what === 'UFFDIO_COPY' || o.what === 'UFFDIO_CONTINUE') && o.ret === 'EAGAIN')),
    },
  ];
}

/** "stuck: t0 in handle_userfault():schedule: asleep ...; r ..." for every thread that cannot take a step. */
export function stuckReport(s: KernelState, explain: Explain): string {
  const lines = s.threads
    .map((th, t) => (th.frames.length === 0 ? null : { th, why: explain(s, t) }))
    .filter((x): x is { th: Thread; why: string } => x !== null && x.why !== 'runnable')
    .map(({ th, why }) => `${th.name} in ${where(th)}: ${why}`);
  return lines.length === 0 ? 'no thread is stuck' : `stuck: ${lines.join('; ')}`;
}
