/**
 * mmap_lock as a reader/writer semaphore — kernel/locking/rwsem.c,
 * include/linux/mmap_lock.h (mmap_read_lock(), mmap_write_lock(), ...).
 *
 * Rules modelled:
 *  - a reader takes the lock only if no writer holds it and nobody is queued
 *    (a queued writer blocks new readers: the fast path fails on the waiters
 *    flag and rwsem_down_read_slowpath() queues behind it);
 *  - a writer takes it only if it is free and nobody is queued;
 *  - on release, rwsem_wake() -> rwsem_mark_wake(): if the first waiter is a
 *    writer it is handed the lock when the lock is free; if it is a reader,
 *    every queued reader is granted (phase-fair: "all readers are eligible to
 *    acquire the lock at the same time irrespective of their order").
 * Simplifications: no optimistic spinning, no reader lock stealing in the
 * window before a woken writer runs (the writer is handed the lock), no
 * killable/interruptible aborts of the wait.
 */
import type { KernelState, RwSem, Tid } from '../state.js';
import type { Step } from '../engine.js';
import { goTo, thread } from '../engine.js';

function canRead(l: RwSem): boolean {
  return l.writer === null && l.waiters.length === 0;
}
function canWrite(l: RwSem): boolean {
  return l.writer === null && l.readers.length === 0 && l.waiters.length === 0;
}
function addReader(l: RwSem, t: Tid): void {
  l.readers.push(t);
  l.readers.sort((a, b) => a - b);
}

function rwsem_wake(d: KernelState): void {
  const l = d.mm.mmap_lock;
  const first = l.waiters[0];
  if (first === undefined || l.writer !== null) return;
  if (first.write) {
    if (l.readers.length > 0) return;
    l.writer = first.tid;
    l.waiters.shift();
    thread(d, first.tid).task = 'RUNNING';
    return;
  }
  const granted = l.waiters.filter(w => !w.write);
  l.waiters = l.waiters.filter(w => w.write);
  for (const w of granted) {
    addReader(l, w.tid);
    thread(d, w.tid).task = 'RUNNING';
  }
}

/** mmap_read_unlock() — up_read(). */
export function mmap_read_unlock(d: KernelState, t: Tid): void {
  const l = d.mm.mmap_lock;
  const i = l.readers.indexOf(t);
  if (i < 0) throw new Error(`[model bug] ${thread(d, t).name} releases mmap_lock for read without holding it`);
  l.readers.splice(i, 1);
  if (l.readers.length === 0) rwsem_wake(d);
}

/** mmap_write_unlock() — up_write(). */
export function mmap_write_unlock(d: KernelState, t: Tid): void {
  const l = d.mm.mmap_lock;
  if (l.writer !== t) throw new Error(`[model bug] ${thread(d, t).name} releases mmap_lock for write without holding it`);
  l.writer = null;
  rwsem_wake(d);
}

export function holdsMmapLock(s: KernelState, t: Tid): 'read' | 'write' | null {
  const l = s.mm.mmap_lock;
  if (l.writer === t) return 'write';
  return l.readers.includes(t) ? 'read' : null;
}

function waitingFor(write: boolean) {
  return (s: KernelState): string => {
    const l = s.mm.mmap_lock;
    const holders = l.writer !== null ? [`${thread(s, l.writer).name} (write)`] : l.readers.map(r => `${thread(s, r).name} (read)`);
    const queued = l.waiters.map(w => `${thread(s, w.tid).name} (${w.write ? 'write' : 'read'})`);
    return `mmap_lock for ${write ? 'write' : 'read'}; held by ${holders.join(', ') || 'nobody'}; queue ${queued.join(', ') || 'empty'}`;
  };
}

/**
 * The two steps of taking mmap_lock at label L: `L` tries the fast path and
 * otherwise queues and sleeps (TASK_UNINTERRUPTIBLE); `L:wait` is enabled once
 * the releaser has granted the lock. Both continue at `next`.
 */
export function mmapLockSteps(label: string, write: boolean, next: string, doc: string): { [label: string]: Step } {
  const wait = `${label}:wait`;
  return {
    [label]: {
      doc,
      run: (d, t) => {
        const l = d.mm.mmap_lock;
        if (write ? canWrite(l) : canRead(l)) {
          if (write) l.writer = t; else addReader(l, t);
          goTo(d, t, next);
        } else {
          l.waiters.push({ tid: t, write });
          thread(d, t).task = 'UNINTERRUPTIBLE';
          goTo(d, t, wait);
        }
      },
    },
    [wait]: {
      doc: `${write ? 'rwsem_down_write_slowpath' : 'rwsem_down_read_slowpath'}(): sleep until rwsem_wake() grants the lock`,
      guard: (s, t) => holdsMmapLock(s, t) !== null,
      waitsFor: waitingFor(write),
      // rwsem_wake() already handed over the lock and woke the task: this step
      // touches nothing shared, so it joins the next step.
      local: true,
      run: (d, t) => goTo(d, t, next),
    },
  };
}
