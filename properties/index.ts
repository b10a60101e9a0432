/**
 * The property registry: named checks over model states, each with a
 * one-line description and the kernel code it guards. Properties only read
 * states (model/state.ts); they never run the model.
 */
import type { Property } from '../checker/model.js';
import type { KernelState, Thread, Tid } from '../model/state.js';
import { holdsMmapLock } from '../model/kernel/rwsem.js';
import { spinlocksHeld } from '../model/kernel/spinlock.js';

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
  if (vma === undefined || !vma.uffd_flags.includes('VM_UFFD_MISSING')) return `${th.name} asleep in handle_userfault() for page ${page}, which is no longer registered`;
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
      description: 'nobody sleeps in handle_userfault() holding mmap_lock or a spinlock; mmap_lock holders and waiters are consistent',
      cites: 'fs/userfaultfd.c: handle_userfault() (release_fault_lock() before schedule()); kernel/locking/rwsem.c',
      violation: s => {
        const l = s.mm.mmap_lock;
        if (l.writer !== null && l.readers.length > 0) return `mmap_lock held for write by ${s.threads[l.writer]!.name} and for read by ${l.readers.map(r => s.threads[r]!.name).join(', ')}`;
        for (const w of l.waiters) {
          if (holdsMmapLock(s, w.tid) !== null) return `${s.threads[w.tid]!.name} both holds and waits for mmap_lock`;
        }
        for (let t = 0; t < s.threads.length; t++) {
          const th = s.threads[t]!;
          if (!asleepInHandleUserfault(th)) continue;
          const m = holdsMmapLock(s, t);
          if (m !== null) return `${th.name} sleeps in handle_userfault() holding mmap_lock for ${m}`;
          const spins = spinlocksHeld(s, t);
          if (spins.length > 0) return `${th.name} sleeps in handle_userfault() holding ${spins.join(', ')}`;
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
