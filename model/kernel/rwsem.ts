/**
 * Reader/writer semaphores — kernel/locking/rwsem.c: mmap_lock
 * (include/linux/mmap_lock.h: mmap_read_lock(), mmap_write_lock(), ...) and a
 * ctx's map_changing_lock (fs/userfaultfd.c, v6.9+: down_read()/down_write()).
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
import { noThreadDoes } from '../state.js';
import type { Step } from '../engine.js';
import { goTo, local, ModelError, thread } from '../engine.js';

/**
 * The ops (Thread.does) whose kernel code takes mmap_lock for write: munmap
 * (__vm_munmap), mremap, fork (dup_mmap), UFFDIO_REGISTER / UNREGISTER, close
 * (userfaultfd_release), and raw_ioctl, which may be either ioctl.
 * rwsemSteps() throws if any other op does, so a new writer cannot silently
 * break noMmapLockWriter().
 */
export const MMAP_WRITE_LOCK_OPS: readonly string[] = ['close', 'fork', 'mremap', 'munmap', 'raw_ioctl', 'register', 'unregister'];

/**
 * True when no thread of the state can ever take mmap_lock for write. Then
 * mmap_read_lock() never waits, and taking it commutes with every step of
 * every thread: the readers set is read only by the writer's fast path,
 * rwsem_wake() (which has waiters only behind a writer) and a thread's own
 * up_read(). So the read acquisition, and a step that only releases it
 * (handle_userfault()'s release_fault_lock, uffd_mfill_unlock), are local
 * steps, not scheduling points.
 */
export function noMmapLockWriter(s: KernelState): boolean {
  return noThreadDoes(s, MMAP_WRITE_LOCK_OPS);
}

/** Which semaphore: the mm's mmap_lock, or map_changing_lock of the ctx in the thread's `ctx` local. */
export type RwSemName = 'mmap_lock' | 'map_changing_lock';

export function rwsemOf(s: KernelState, name: RwSemName, ctx: number | null): RwSem {
  if (name === 'mmap_lock') return s.mm.mmap_lock;
  const c = ctx === null ? undefined : s.uffd[ctx];
  if (c === undefined) throw new Error('[model bug] map_changing_lock without a ctx');
  return c.map_changing_lock;
}

/** The semaphore a step of thread t means: map_changing_lock is the one of the ctx in its top frame's `ctx` local. */
function lockFor(s: KernelState, t: Tid, name: RwSemName): RwSem {
  return rwsemOf(s, name, name === 'mmap_lock' ? null : local<number>(s, t, 'ctx'));
}

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

function rwsem_wake(d: KernelState, l: RwSem): void {
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

/** up_read(). */
export function up_read(d: KernelState, t: Tid, l: RwSem, name: string): void {
  const i = l.readers.indexOf(t);
  if (i < 0) throw new Error(`[model bug] ${thread(d, t).name} releases ${name} for read without holding it`);
  l.readers.splice(i, 1);
  if (l.readers.length === 0) rwsem_wake(d, l);
}

/** up_write(). */
export function up_write(d: KernelState, t: Tid, l: RwSem, name: string): void {
  if (l.writer !== t) throw new Error(`[model bug] ${thread(d, t).name} releases ${name} for write without holding it`);
  l.writer = null;
  rwsem_wake(d, l);
}

/** mmap_read_unlock() — up_read(&mm->mmap_lock). */
export function mmap_read_unlock(d: KernelState, t: Tid): void {
  up_read(d, t, d.mm.mmap_lock, 'mmap_lock');
}

/** mmap_write_unlock() — up_write(&mm->mmap_lock). */
export function mmap_write_unlock(d: KernelState, t: Tid): void {
  up_write(d, t, d.mm.mmap_lock, 'mmap_lock');
}

export function holds(l: RwSem, t: Tid): 'read' | 'write' | null {
  if (l.writer === t) return 'write';
  return l.readers.includes(t) ? 'read' : null;
}

export function holdsMmapLock(s: KernelState, t: Tid): 'read' | 'write' | null {
  return holds(s.mm.mmap_lock, t);
}

function waitingFor(name: RwSemName, write: boolean) {
  return (s: KernelState, t: Tid): string => {
    const l = lockFor(s, t, name);
    const holders = l.writer !== null ? [`${thread(s, l.writer).name} (write)`] : l.readers.map(r => `${thread(s, r).name} (read)`);
    const queued = l.waiters.map(w => `${thread(s, w.tid).name} (${w.write ? 'write' : 'read'})`);
    const which = name === 'mmap_lock' ? name : `${s.uffd[local<number>(s, t, 'ctx')]!.name}.${name}`;
    return `${which} for ${write ? 'write' : 'read'}; held by ${holders.join(', ') || 'nobody'}; queue ${queued.join(', ') || 'empty'}`;
  };
}

/**
 * The two steps of taking a rwsem at label L: `L` tries the fast path and
 * otherwise queues and sleeps (TASK_UNINTERRUPTIBLE); `L:wait` is enabled once
 * the releaser has granted the lock. Both continue at `next`; `then` (optional)
 * is work done in the same step once the lock is held.
 */
export function rwsemSteps(name: RwSemName, label: string, write: boolean, next: string, doc: string, then?: Step['run']): { [label: string]: Step } {
  const wait = `${label}:wait`;
  const acquired: Step['run'] = (d, t, k) => {
    goTo(d, t, next);
    if (then !== undefined) then(d, t, k);
  };
  return {
    [label]: {
      doc,
      // mmap_read_lock() with no writer in the scenario: see noMmapLockWriter().
      ...(name === 'mmap_lock' && !write && then === undefined ? { local: noMmapLockWriter } : {}),
      run: (d, t, k) => {
        if (name === 'mmap_lock' && write && noMmapLockWriter(d)) {
          throw new ModelError(`${thread(d, t).name} takes mmap_lock for write, but none of its ops (${thread(d, t).does.join(', ')}) is in MMAP_WRITE_LOCK_OPS (model/kernel/rwsem.ts)`);
        }
        const l = lockFor(d, t, name);
        if (write ? canWrite(l) : canRead(l)) {
          if (write) l.writer = t; else addReader(l, t);
          acquired(d, t, k);
        } else {
          l.waiters.push({ tid: t, write });
          thread(d, t).task = 'UNINTERRUPTIBLE';
          goTo(d, t, wait);
        }
      },
    },
    [wait]: {
      doc: `${write ? 'rwsem_down_write_slowpath' : 'rwsem_down_read_slowpath'}(): sleep until rwsem_wake() grants the lock`,
      guard: (s, t) => holds(lockFor(s, t, name), t) !== null,
      waitsFor: waitingFor(name, write),
      // rwsem_wake() already handed over the lock and woke the task: the
      // return touches nothing shared; `then` (if any) is this step's work.
      local: then === undefined,
      run: acquired,
    },
  };
}

/** mmap_read_lock()/mmap_write_lock() at label L, continuing at `next`. */
export function mmapLockSteps(label: string, write: boolean, next: string, doc: string): { [label: string]: Step } {
  return rwsemSteps('mmap_lock', label, write, next, doc);
}
