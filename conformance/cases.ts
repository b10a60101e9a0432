/**
 * Conformance cases: a scenario (model/scenario.ts format) and a fixed
 * schedule (thread names; each runs that thread until it blocks or exits)
 * with one deterministic outcome on the kernel. conformance/index.ts runs each
 * on the real kernel and on the mainline model and compares the transcripts.
 *
 * Rules for a deterministic case: a thread woken while another holds the turn
 * completes only the access it slept in (its next operations wait for its
 * turn), so that retry must not change what the running thread observes; and
 * a thread woken without its page being filled (WAKE alone) must be scheduled
 * again before the end, since on the kernel it faults again at once.
 * Contents and written values are bytes (1..255).
 */
import type { ConformanceCase } from './index.js';

type Obj = { [k: string]: unknown };

const anon = (name: string, pages: number): Obj => ({ name, pages, kind: 'anon' });
const shmem = (name: string, pages: number): Obj => ({ name, pages, kind: 'shmem' });
/** A uffd with UFFDIO_API done in setup and `area` (all of it) registered MISSING. */
const uffd = (name: string, areas: string[], extra: Obj = {}): Obj => ({ name, register: areas.map(area => ({ area })), ...extra });
const worker = (name: string, ops: Obj[]): Obj => ({ name, role: 'worker', ops });
const monitor = (name: string, ops: Obj[]): Obj => ({ name, role: 'monitor', ops });

const read = (area: string, page: number): Obj => ({ op: 'read', area, page });
const write = (area: string, page: number, value: number): Obj => ({ op: 'write', area, page, value });
const copy = (u: string, area: string, page: number, content: number, extra: Obj = {}): Obj => ({ op: 'copy', uffd: u, area, page, content, ...extra });
const zeropage = (u: string, area: string, page: number, extra: Obj = {}): Obj => ({ op: 'zeropage', uffd: u, area, page, ...extra });
const wake = (u: string, area: string, first: number, pages = 1): Obj => ({ op: 'wake', uffd: u, area, first, pages });
const register = (u: string, area: string, first: number, pages: number, modes: string[] = ['MISSING']): Obj => ({ op: 'register', uffd: u, area, first, pages, modes });
const unregister = (u: string, area: string, first: number, pages: number): Obj => ({ op: 'unregister', uffd: u, area, first, pages });
const readMsgs = (u: string, max = 1): Obj => ({ op: 'read_msgs', uffd: u, max });
const close = (u: string): Obj => ({ op: 'close', uffd: u });
const api = (u: string, features: string[] = []): Obj => ({ op: 'api', uffd: u, features });
const munmap = (area: string, first: number, pages: number): Obj => ({ op: 'munmap', area, first, pages });
/** A uffd with UFFDIO_API (and `features`) in setup and the given registrations (default: MISSING). */
const uffdRegs = (name: string, regs: { area: string; first: number; pages: number; modes?: string[] }[], extra: Obj = {}): Obj => ({ name, register: regs, ...extra });

function kase(name: string, description: string, s: { areas: Obj[]; uffds: Obj[]; threads: Obj[] }, schedule: string[], disagreement?: string): ConformanceCase {
  const c: ConformanceCase = { name, scenario: { name, description, ...s }, schedule };
  if (disagreement !== undefined) c.disagreement = disagreement;
  return c;
}

export const cases: readonly ConformanceCase[] = [
  // ---------------------------------------------------------------- UFFDIO_API
  kase('api-twice', 'UFFDIO_API reports the features; a second UFFDIO_API on the same uffd fails with EINVAL (struct zeroed)', {
    areas: [anon('A', 1)], uffds: [{ name: 'U', api: false }],
    threads: [worker('w', [api('U'), api('U')])],
  }, ['w']),
  kase('api-with-features', 'UFFDIO_API requesting THREAD_ID and EXACT_ADDRESS; then REGISTER works', {
    areas: [anon('A', 1)], uffds: [{ name: 'U', api: false }],
    threads: [worker('w', [api('U', ['THREAD_ID', 'EXACT_ADDRESS']), register('U', 'A', 0, 1)])],
  }, ['w']),
  kase('ioctls-before-api', 'every ioctl but UFFDIO_API, and read(), fail with EINVAL before UFFDIO_API; COPY leaves its copy field unwritten', {
    areas: [anon('A', 1)], uffds: [{ name: 'U', api: false }],
    threads: [worker('w', [register('U', 'A', 0, 1), copy('U', 'A', 0, 5), zeropage('U', 'A', 0), wake('U', 'A', 0), unregister('U', 'A', 0, 1), readMsgs('U')])],
  }, ['w']),
  kase('read-before-api-nonblock', 'read() on an O_NONBLOCK uffd before UFFDIO_API: EINVAL, not EAGAIN; after UFFDIO_API: EAGAIN', {
    areas: [anon('A', 1)], uffds: [{ name: 'U', api: false, nonblock: true }],
    threads: [worker('w', [readMsgs('U'), api('U'), readMsgs('U')])],
  }, ['w']),

  // ---------------------------------------------------------------- REGISTER / UNREGISTER
  kase('register-anon', 'UFFDIO_REGISTER MISSING on private anon returns ioctls 0x13c; again on a subrange by the same uffd: 0; then COPY works', {
    areas: [anon('A', 2)], uffds: [{ name: 'U' }],
    threads: [worker('w', [register('U', 'A', 0, 2), register('U', 'A', 1, 1), copy('U', 'A', 1, 12), read('A', 1)])],
  }, ['w']),
  kase('register-shmem', 'UFFDIO_REGISTER MISSING on shared anon (shmem) returns ioctls 0x13c', {
    areas: [shmem('A', 2)], uffds: [{ name: 'U' }],
    threads: [worker('w', [register('U', 'A', 0, 2), copy('U', 'A', 0, 13), read('A', 0)])],
  }, ['w']),
  kase('register-busy-unregister-other', 'a second uffd: REGISTER of a page U holds is EBUSY, UNREGISTER through it EINVAL; once U unregisters that page, it can register it', {
    areas: [anon('A', 2)], uffds: [uffd('U', ['A']), { name: 'V' }],
    threads: [worker('w', [register('V', 'A', 1, 1), unregister('V', 'A', 0, 2), unregister('U', 'A', 1, 1), register('V', 'A', 1, 1), register('V', 'A', 0, 2)])],
  }, ['w']),
  kase('unregister-unregistered', 'UNREGISTER of a mapped area nobody registered returns 0', {
    areas: [anon('A', 1), anon('B', 2)], uffds: [uffd('U', ['A'])],
    threads: [worker('w', [unregister('U', 'B', 0, 2), unregister('U', 'A', 0, 1), unregister('U', 'A', 0, 1)])],
  }, ['w']),

  // ---------------------------------------------------------------- COPY
  kase('copy-fill-eexist', 'COPY fills a missing page (copy = 4096); again: EEXIST, copy = -17; the page keeps the first content', {
    areas: [anon('A', 1)], uffds: [uffd('U', ['A'])],
    threads: [worker('w', [copy('U', 'A', 0, 5), copy('U', 'A', 0, 6), read('A', 0)])],
  }, ['w']),
  kase('copy-partial-eagain', 'COPY of 2 pages whose second is present: EAGAIN with copy = 4096 (the first page is filled)', {
    areas: [anon('A', 2)], uffds: [uffd('U', ['A'])],
    threads: [worker('w', [copy('U', 'A', 1, 21), copy('U', 'A', 0, 22, { pages: 2 }), read('A', 0), read('A', 1)])],
  }, ['w']),
  kase('copy-first-present-eexist', 'COPY of 2 pages whose first is present: EEXIST, copy = -17, and the second stays missing (a later COPY fills it)', {
    areas: [anon('A', 4)], uffds: [uffd('U', ['A'])],
    threads: [worker('w', [copy('U', 'A', 2, 31), copy('U', 'A', 2, 32, { pages: 2 }), copy('U', 'A', 3, 33), read('A', 2), read('A', 3)])],
  }, ['w']),
  kase('copy-multi-page', 'COPY of 3 missing pages: copy = 12288, all three hold the content', {
    areas: [anon('A', 3)], uffds: [uffd('U', ['A'])],
    threads: [worker('w', [copy('U', 'A', 0, 41, { pages: 3 }), read('A', 0), read('A', 2)])],
  }, ['w']),
  kase('fill-unregistered-enoent', 'COPY and ZEROPAGE into a mapped but unregistered area: ENOENT, field = -2', {
    areas: [anon('A', 1), anon('B', 1)], uffds: [uffd('U', ['A'])],
    threads: [worker('w', [copy('U', 'B', 0, 7), zeropage('U', 'B', 0), read('B', 0)])],
  }, ['w']),
  kase('copy-through-other-uffd', 'COPY through U into a page registered to V fills it (no ctx check) but does not wake V\'s waiter; UFFDIO_WAKE through V does', {
    areas: [anon('A', 1), anon('B', 1)], uffds: [uffd('U', ['A']), uffd('V', ['B'])],
    threads: [
      worker('t0', [read('B', 0)]),
      monitor('m', [copy('U', 'B', 0, 61)]),
      monitor('m2', [wake('V', 'B', 0)]),
    ],
  }, ['t0', 'm', 't0', 'm2', 't0']),

  // ---------------------------------------------------------------- ZEROPAGE
  kase('zeropage-fill', 'ZEROPAGE maps zeros (zeropage = 4096); again: EEXIST; reads 0; a write after it does not go to the uffd', {
    areas: [anon('A', 1)], uffds: [uffd('U', ['A'], { nonblock: true })],
    threads: [worker('w', [zeropage('U', 'A', 0), zeropage('U', 'A', 0), read('A', 0), write('A', 0, 9), read('A', 0), readMsgs('U')])],
  }, ['w']),
  kase('zeropage-partial-eagain', 'ZEROPAGE of 2 pages whose second is present: EAGAIN, zeropage = 4096', {
    areas: [anon('A', 2)], uffds: [uffd('U', ['A'])],
    threads: [worker('w', [copy('U', 'A', 1, 3), zeropage('U', 'A', 0, { pages: 2 }), read('A', 0), read('A', 1)])],
  }, ['w']),
  kase('zeropage-shmem', 'ZEROPAGE on shmem: 4096, reads 0, writable, EEXIST again', {
    areas: [shmem('A', 1)], uffds: [uffd('U', ['A'])],
    threads: [worker('w', [zeropage('U', 'A', 0), read('A', 0), write('A', 0, 5), read('A', 0), zeropage('U', 'A', 0)])],
  }, ['w']),

  // ---------------------------------------------------------------- WAKE
  kase('wake-nobody', 'UFFDIO_WAKE with nobody waiting returns 0, also on an unregistered area', {
    areas: [anon('A', 2), anon('B', 1)], uffds: [uffd('U', ['A'])],
    threads: [worker('w', [wake('U', 'A', 0, 2), wake('U', 'B', 0)])],
  }, ['w']),

  // ---------------------------------------------------------------- faults
  kase('read-fault-blocks', 'a read fault blocks and queues PAGEFAULT with flags 0; COPY wakes the thread, which sees the content', {
    areas: [anon('A', 2)], uffds: [uffd('U', ['A'])],
    threads: [worker('t0', [read('A', 1), read('A', 1)]), monitor('m', [readMsgs('U', 4), copy('U', 'A', 1, 171)])],
  }, ['t0', 'm', 't0']),
  kase('write-fault-flags', 'a write fault has flags 1 (UFFD_PAGEFAULT_FLAG_WRITE); after COPY the retried write lands', {
    areas: [anon('A', 1)], uffds: [uffd('U', ['A'])],
    threads: [worker('t0', [write('A', 0, 3), read('A', 0)]), monitor('m', [readMsgs('U'), copy('U', 'A', 0, 50)])],
  }, ['t0', 'm', 't0']),
  kase('read-and-write-faults-fifo', 'a read fault then a write fault: one read() returns both, oldest first, flags 0 and 1; one 2-page COPY wakes both', {
    areas: [anon('A', 2)], uffds: [uffd('U', ['A'])],
    threads: [
      worker('r0', [read('A', 0)]),
      worker('w1', [write('A', 1, 3), read('A', 1)]),
      monitor('m', [readMsgs('U', 4), copy('U', 'A', 0, 8, { pages: 2 })]),
    ],
  }, ['r0', 'w1', 'm', 'r0', 'w1']),
  kase('two-threads-one-page', 'two threads blocked on one page: two messages; one COPY wakes both, which see its data', {
    areas: [anon('A', 1)], uffds: [uffd('U', ['A'])],
    threads: [
      worker('t0', [read('A', 0)]),
      worker('t1', [read('A', 0)]),
      monitor('m', [readMsgs('U', 2), copy('U', 'A', 0, 171)]),
    ],
  }, ['t0', 't1', 'm', 't0', 't1']),
  kase('blocking-read-woken-by-fault', 'a monitor blocks in read() with nothing pending; a fault wakes it and it reads the message', {
    areas: [anon('A', 1)], uffds: [uffd('U', ['A'])],
    threads: [worker('t0', [read('A', 0)]), monitor('m', [readMsgs('U'), copy('U', 'A', 0, 9)])],
  }, ['m', 't0', 'm', 't0']),
  kase('copy-unread-message', 'COPY wakes a thread whose message was never read, and the message is gone', {
    areas: [anon('A', 1)], uffds: [uffd('U', ['A'], { nonblock: true })],
    threads: [worker('t0', [read('A', 0)]), monitor('m', [copy('U', 'A', 0, 19), readMsgs('U')])],
  }, ['t0', 'm', 't0']),
  kase('dontwake-then-wake', 'COPY with DONTWAKE leaves the thread asleep; UFFDIO_WAKE then wakes it and it sees the data', {
    areas: [anon('A', 1)], uffds: [uffd('U', ['A'])],
    threads: [
      worker('t0', [read('A', 0)]),
      monitor('m', [readMsgs('U'), copy('U', 'A', 0, 171, { dontwake: true })]),
      monitor('w', [wake('U', 'A', 0)]),
    ],
  }, ['t0', 'm', 't0', 'w', 't0']),
  kase('zeropage-dontwake-then-copy-eexist-wake', 'ZEROPAGE DONTWAKE leaves the thread asleep; a COPY then fails with EEXIST and the monitor follows with UFFDIO_WAKE; the thread reads 0', {
    areas: [anon('A', 1)], uffds: [uffd('U', ['A'])],
    threads: [
      worker('t0', [read('A', 0)]),
      monitor('m', [readMsgs('U'), zeropage('U', 'A', 0, { dontwake: true })]),
      monitor('m2', [copy('U', 'A', 0, 44, { onEEXIST: 'wake' })]),
    ],
  }, ['t0', 'm', 't0', 'm2', 't0']),
  kase('wake-other-page', 'UFFDIO_WAKE of the neighbouring page does not wake the thread; COPY of its page does', {
    areas: [anon('A', 2)], uffds: [uffd('U', ['A'])],
    threads: [
      worker('t0', [read('A', 0)]),
      monitor('m', [readMsgs('U'), wake('U', 'A', 1)]),
      monitor('m2', [copy('U', 'A', 0, 77)]),
    ],
  }, ['t0', 'm', 't0', 'm2', 't0']),
  kase('redelivery-after-wake', 'a read message is not delivered again; WAKE without COPY makes the retried fault queue one fresh message', {
    areas: [anon('A', 1)], uffds: [uffd('U', ['A'], { nonblock: true })],
    threads: [
      worker('t0', [read('A', 0)]),
      monitor('m', [readMsgs('U'), readMsgs('U'), wake('U', 'A', 0)]),
      monitor('m2', [readMsgs('U', 4), readMsgs('U'), copy('U', 'A', 0, 88)]),
    ],
  }, ['t0', 'm', 't0', 'm2', 't0']),
  kase('nonblock-read-eagain', 'read() on an O_NONBLOCK uffd with nothing pending: EAGAIN', {
    areas: [anon('A', 1)], uffds: [uffd('U', ['A'], { nonblock: true })],
    threads: [monitor('m', [readMsgs('U'), readMsgs('U', 4)])],
  }, ['m']),

  // ---------------------------------------------------------------- UNREGISTER and close while waiting
  kase('unregister-wakes', 'UNREGISTER wakes the waiting thread, which reads the zero page and then writes normally', {
    areas: [anon('A', 1)], uffds: [uffd('U', ['A'], { nonblock: true })],
    threads: [
      worker('t0', [read('A', 0), write('A', 0, 5), read('A', 0)]),
      monitor('m', [readMsgs('U'), unregister('U', 'A', 0, 1), readMsgs('U')]),
    ],
  }, ['t0', 'm', 't0']),
  kase('unregister-drops-unread-message', 'UNREGISTER with the message still unread: the thread is woken and the message is gone', {
    areas: [anon('A', 1)], uffds: [uffd('U', ['A'], { nonblock: true })],
    threads: [worker('t0', [read('A', 0)]), monitor('m', [unregister('U', 'A', 0, 1), readMsgs('U')])],
  }, ['t0', 'm', 't0']),
  kase('close-wakes', 'close() wakes the waiting thread (it reads 0); later accesses fault normally; the closed fd gives EBADF', {
    areas: [anon('A', 2)], uffds: [uffd('U', ['A'])],
    threads: [
      worker('t0', [read('A', 0), write('A', 1, 90), read('A', 1)]),
      monitor('m', [readMsgs('U'), close('U'), copy('U', 'A', 0, 5), close('U'), readMsgs('U')]),
    ],
  }, ['t0', 'm', 't0']),
  kase('close-unread-then-other-uffd', 'close() with the message unread wakes the thread; afterwards another uffd can register the area, and its faults go there', {
    areas: [anon('A', 2)], uffds: [uffd('U', ['A']), { name: 'V', nonblock: true }],
    threads: [
      worker('t0', [read('A', 0)]),
      monitor('m', [close('U')]),
      monitor('m2', [register('V', 'A', 0, 2), readMsgs('V')]),
      worker('t1', [read('A', 1)]),
      monitor('m3', [readMsgs('V', 2), copy('V', 'A', 1, 66)]),
    ],
  }, ['t0', 'm', 't0', 'm2', 't1', 'm3', 't1']),
  kase('closed-uffd-ebadf', 'after close(): close, WAKE and read() give EBADF, and the area is no longer registered', {
    areas: [anon('A', 1)], uffds: [uffd('U', ['A'])],
    threads: [worker('w', [close('U'), close('U'), wake('U', 'A', 0), readMsgs('U'), read('A', 0)])],
  }, ['w']),

  // ---------------------------------------------------------------- shmem and unregistered areas
  kase('shmem-copy-then-read', 'shmem: COPY then read sees the content; a fault on an unregistered shmem area maps a zeroed page', {
    areas: [shmem('A', 2), shmem('B', 1)], uffds: [uffd('U', ['A'])],
    threads: [worker('w', [copy('U', 'A', 1, 44), read('A', 1), read('B', 0), write('B', 0, 2), read('B', 0)])],
  }, ['w']),
  kase('shmem-faults', 'shmem: a read fault (flags 0) and a write fault (flags 1) block; one 2-page COPY wakes both', {
    areas: [shmem('A', 2)], uffds: [uffd('U', ['A'])],
    threads: [
      worker('t0', [read('A', 0)]),
      worker('t1', [write('A', 1, 6), read('A', 1)]),
      monitor('m', [readMsgs('U', 4), copy('U', 'A', 0, 77, { pages: 2 })]),
    ],
  }, ['t0', 't1', 'm', 't0', 't1']),
  kase('anon-unregistered-fault', 'a fault on an unregistered anon area (next to a registered one) reads 0 and writes normally', {
    areas: [anon('A', 1), anon('B', 2)], uffds: [uffd('U', ['A'], { nonblock: true })],
    threads: [worker('w', [read('B', 1), write('B', 0, 4), read('B', 0), readMsgs('U')])],
  }, ['w']),

  // ---------------------------------------------------------------- REGISTER modes (WP, MINOR) and mode errors
  kase('register-wp-anon', 'UFFDIO_REGISTER WP on private anon: ioctls 0x17c (WRITEPROTECT, no CONTINUE); MISSING|WP: 0x17c too; COPY and ZEROPAGE work in a WP-only range (the VMA has a ctx)', {
    areas: [anon('A', 3)], uffds: [{ name: 'U' }],
    threads: [worker('w', [register('U', 'A', 0, 1, ['WP']), register('U', 'A', 1, 1, ['MISSING', 'WP']), copy('U', 'A', 0, 5), zeropage('U', 'A', 1), copy('U', 'A', 2, 6)])],
  }, ['w']),
  kase('register-minor-anon-einval', 'MINOR on private anon is refused (vma_can_userfault): MINOR, MISSING|MINOR and WP|MINOR all EINVAL, nothing is registered (COPY: ENOENT)', {
    areas: [anon('A', 1)], uffds: [{ name: 'U' }],
    threads: [worker('w', [register('U', 'A', 0, 1, ['MINOR']), register('U', 'A', 0, 1, ['MISSING', 'MINOR']), register('U', 'A', 0, 1, ['WP', 'MINOR']), copy('U', 'A', 0, 5)])],
  }, ['w']),
  kase('register-mode-zero-einval', 'UFFDIO_REGISTER with mode 0: EINVAL, ioctls unwritten, nothing registered', {
    areas: [anon('A', 1), shmem('B', 1)], uffds: [{ name: 'U' }],
    threads: [worker('w', [register('U', 'A', 0, 1, []), register('U', 'B', 0, 1, []), copy('U', 'A', 0, 5), zeropage('U', 'B', 0)])],
  }, ['w']),
  kase('register-minor-shmem', 'MINOR on shmem: ioctls 0x1bc (CONTINUE, no WRITEPROTECT); MISSING|MINOR the same; COPY fills a MINOR-only range', {
    areas: [shmem('A', 2)], uffds: [{ name: 'U' }],
    threads: [worker('w', [register('U', 'A', 0, 1, ['MINOR']), register('U', 'A', 1, 1, ['MISSING', 'MINOR']), copy('U', 'A', 0, 9), copy('U', 'A', 0, 9)])],
  }, ['w']),
  kase('register-wp-shmem', 'WP on shmem (uffd-wp PTE markers): ioctls 0x17c; all three modes: 0x1fc', {
    areas: [shmem('A', 2)], uffds: [{ name: 'U' }],
    threads: [worker('w', [register('U', 'A', 0, 1, ['WP']), register('U', 'A', 1, 1, ['MISSING', 'WP', 'MINOR']), zeropage('U', 'A', 0), zeropage('U', 'A', 1, { pages: 1 })])],
  }, ['w']),
  kase('register-modes-change', 'the same uffd re-registers a range with a subset (no-op) and with other modes (replaced): each returns 0 and the ioctls of the requested modes', {
    areas: [shmem('A', 2)], uffds: [{ name: 'U' }],
    threads: [worker('w', [register('U', 'A', 0, 2, ['MISSING', 'WP']), register('U', 'A', 0, 1, ['MISSING']), register('U', 'A', 1, 1, ['MINOR']), register('U', 'A', 0, 2, ['WP'])])],
  }, ['w']),
  kase('register-wp-other-uffd-ebusy', 'a WP-only registration owns the VMA too: another uffd gets EBUSY (REGISTER) and EINVAL (UNREGISTER); after UNREGISTER by the owner it registers', {
    areas: [anon('A', 2)], uffds: [uffdRegs('U', [{ area: 'A', first: 0, pages: 2, modes: ['WP'] }]), { name: 'V' }],
    threads: [worker('w', [register('V', 'A', 1, 1), unregister('V', 'A', 0, 2), unregister('U', 'A', 0, 2), register('V', 'A', 0, 2, ['MISSING', 'WP'])])],
  }, ['w']),
  kase('register-minor-shmem-setup-unregister', 'a MINOR registration made in setup: UNREGISTER of part of it returns 0, COPY there is then ENOENT and COPY in the rest fills', {
    areas: [shmem('A', 3)], uffds: [uffdRegs('U', [{ area: 'A', first: 0, pages: 3, modes: ['MINOR'] }])],
    threads: [worker('w', [unregister('U', 'A', 1, 1), copy('U', 'A', 1, 3), copy('U', 'A', 2, 4), copy('U', 'A', 0, 5, { pages: 2 })])],
  }, ['w']),

  // ---------------------------------------------------------------- UFFDIO_API feature bits
  kase('api-unknown-bit', 'UFFDIO_API with a feature bit v6.18 does not define (bit 17): EINVAL, struct zeroed, the uffd stays uninitialised (REGISTER: EINVAL); a later UFFDIO_API succeeds', {
    areas: [anon('A', 1)], uffds: [{ name: 'U', api: false }],
    threads: [worker('w', [api('U', ['bit17']), register('U', 'A', 0, 1), api('U'), register('U', 'A', 0, 1)])],
  }, ['w']),
  kase('api-unknown-bit-after-api', 'UFFDIO_API with bit 63 on an initialised uffd: EINVAL, struct zeroed; the uffd keeps working', {
    areas: [anon('A', 1)], uffds: [{ name: 'U' }],
    threads: [worker('w', [api('U', ['bit63']), register('U', 'A', 0, 1), copy('U', 'A', 0, 3)])],
  }, ['w']),
  kase('api-probe-only-features', 'UFFDIO_API requesting the features that only report or gate ioctls (PAGEFAULT_FLAG_WP, MISSING_HUGETLBFS, MINOR_*, WP_HUGETLBFS_SHMEM, POISON, MOVE): all features reported', {
    areas: [anon('A', 1)], uffds: [{ name: 'U', api: false }],
    threads: [worker('w', [api('U', ['PAGEFAULT_FLAG_WP', 'MISSING_HUGETLBFS', 'MINOR_HUGETLBFS', 'MINOR_SHMEM', 'WP_HUGETLBFS_SHMEM', 'POISON', 'MOVE']), api('U', ['bit8'])])],
  }, ['w']),
  kase('api-known-bit-as-number', 'bit 8 (THREAD_ID) requested as a raw bit is THREAD_ID: UFFDIO_API succeeds; faults still deliver PAGEFAULT', {
    areas: [anon('A', 1)], uffds: [{ name: 'U', api: false }],
    threads: [worker('w', [api('U', ['bit8']), register('U', 'A', 0, 1)]), worker('t', [read('A', 0)]), monitor('m', [readMsgs('U'), copy('U', 'A', 0, 8)])],
  }, ['w', 't', 'm', 't']),

  // ---------------------------------------------------------------- COPY / ZEROPAGE against VMA boundaries
  kase('copy-past-vma-end-enoent', 'a registration of part of an area splits the VMA: a COPY crossing its end is ENOENT (copy = -2, nothing filled), inside it fills', {
    areas: [anon('A', 3)], uffds: [uffdRegs('U', [{ area: 'A', first: 0, pages: 2 }])],
    threads: [worker('w', [copy('U', 'A', 1, 4, { pages: 2 }), zeropage('U', 'A', 1, { pages: 2 }), copy('U', 'A', 1, 5), copy('U', 'A', 2, 6), read('A', 2)])],
  }, ['w']),
  kase('unregister-middle-then-fill', 'UNREGISTER of the middle page: COPY/ZEROPAGE there ENOENT, across it ENOENT, on either side fills', {
    areas: [anon('A', 3)], uffds: [uffd('U', ['A'])],
    threads: [worker('w', [unregister('U', 'A', 1, 1), copy('U', 'A', 1, 7), zeropage('U', 'A', 0, { pages: 2 }), copy('U', 'A', 0, 8), zeropage('U', 'A', 2), read('A', 1)])],
  }, ['w']),
  kase('zeropage-first-present-eexist', 'ZEROPAGE of 2 pages whose first is present: EEXIST, zeropage = -17, the second stays missing', {
    areas: [anon('A', 2)], uffds: [uffd('U', ['A'])],
    threads: [worker('w', [copy('U', 'A', 0, 9), zeropage('U', 'A', 0, { pages: 2 }), zeropage('U', 'A', 1), read('A', 0), read('A', 1)])],
  }, ['w']),
  kase('shmem-copy-partial-eagain', 'shmem: COPY of 3 pages whose third is in the page cache: EAGAIN, copy = 8192', {
    areas: [shmem('A', 3)], uffds: [uffd('U', ['A'])],
    threads: [worker('w', [zeropage('U', 'A', 2), copy('U', 'A', 0, 12, { pages: 3 }), read('A', 1), read('A', 2)])],
  }, ['w']),
  kase('copy-dontwake-nobody', 'COPY and ZEROPAGE with DONTWAKE and nobody waiting: filled as usual', {
    areas: [anon('A', 2)], uffds: [uffd('U', ['A'])],
    threads: [worker('w', [copy('U', 'A', 0, 13, { dontwake: true }), zeropage('U', 'A', 1, { dontwake: true }), read('A', 0), read('A', 1)])],
  }, ['w']),

  // ---------------------------------------------------------------- after munmap (no event feature)
  kase('ioctls-after-munmap', 'after munmap of a registered page (no UNMAP feature: no event): COPY/ZEROPAGE ENOENT, WAKE 0, REGISTER and UNREGISTER EINVAL (no VMA), the access SIGSEGV', {
    areas: [anon('A', 2)], uffds: [uffd('U', ['A'], { nonblock: true })],
    threads: [worker('w', [munmap('A', 1, 1), copy('U', 'A', 1, 3), zeropage('U', 'A', 1), wake('U', 'A', 1), register('U', 'A', 1, 1), unregister('U', 'A', 1, 1), readMsgs('U'), read('A', 1)])],
  }, ['w']),
  kase('register-across-hole', 'REGISTER over a range with an unmapped page in the middle: 0 (holes are allowed); COPY on both sides fills; across the hole ENOENT', {
    areas: [anon('A', 3)], uffds: [{ name: 'U' }],
    threads: [worker('w', [munmap('A', 1, 1), register('U', 'A', 0, 3), copy('U', 'A', 0, 4, { pages: 2 }), copy('U', 'A', 0, 5), copy('U', 'A', 2, 6), unregister('U', 'A', 0, 3)])],
  }, ['w']),
  kase('munmap-unregistered-wakes-nothing', 'munmap of an unregistered page next to a registered one: no event, a later fault on the registered page still blocks', {
    areas: [anon('A', 2)], uffds: [uffdRegs('U', [{ area: 'A', first: 0, pages: 1 }], { features: ['EVENT_UNMAP'], nonblock: true })],
    threads: [worker('w', [munmap('A', 1, 1), readMsgs('U')]), worker('t', [read('A', 0)]), monitor('m', [readMsgs('U'), copy('U', 'A', 0, 4)])],
  }, ['w', 't', 'm', 't']),

  // ---------------------------------------------------------------- UFFD_EVENT_UNMAP (munmap)
  kase('unmap-event-one-vma', 'munmap of a registered area with EVENT_UNMAP: the thread sleeps until the monitor reads UNMAP [A[0], A[2]) and then returns 0', {
    areas: [anon('A', 2)], uffds: [uffd('U', ['A'], { features: ['EVENT_UNMAP'] })],
    threads: [worker('w', [munmap('A', 0, 2)]), monitor('m', [readMsgs('U', 2)])],
  }, ['w', 'm', 'w']),
  kase('unmap-event-two-vmas', 'munmap over 2 VMAs (A[0] registered, A[1..2] not) of one uffd: one UNMAP message for the whole range', {
    areas: [anon('A', 3)], uffds: [uffdRegs('U', [{ area: 'A', first: 0, pages: 1 }], { features: ['EVENT_UNMAP'], nonblock: true })],
    threads: [worker('w', [munmap('A', 0, 3)]), monitor('m', [readMsgs('U', 4), readMsgs('U')])],
  }, ['w', 'm', 'w']),
  kase('unmap-event-three-vmas-one-uffd', 'munmap over 3 VMAs, two registered to U: one UNMAP message (has_unmap_ctx)', {
    areas: [anon('A', 3)], uffds: [uffdRegs('U', [{ area: 'A', first: 0, pages: 1 }, { area: 'A', first: 2, pages: 1 }], { features: ['EVENT_UNMAP'], nonblock: true })],
    threads: [worker('w', [munmap('A', 0, 3)]), monitor('m', [readMsgs('U', 4), readMsgs('U')])],
  }, ['w', 'm', 'w']),
  kase('unmap-event-three-vmas-two-uffds', 'munmap over 3 VMAs registered to U, V, U (both EVENT_UNMAP): one message each; the thread waits for each in turn', {
    areas: [anon('A', 3)],
    uffds: [
      uffdRegs('U', [{ area: 'A', first: 0, pages: 1 }, { area: 'A', first: 2, pages: 1 }], { features: ['EVENT_UNMAP'], nonblock: true }),
      uffdRegs('V', [{ area: 'A', first: 1, pages: 1 }], { features: ['EVENT_UNMAP'], nonblock: true }),
    ],
    // m reads only U: once U's event is read, w goes on at once to V's (outside its turn), which m must not race with.
    threads: [worker('w', [munmap('A', 0, 3)]), monitor('m', [readMsgs('U', 4)]), monitor('m2', [readMsgs('U', 4), readMsgs('V', 4)])],
  }, ['w', 'm', 'w', 'm2', 'w']),
  kase('unmap-event-two-vmas-two-uffds-one-feature', 'munmap over A[0] (U, EVENT_UNMAP) and A[1] (V, no feature): only U gets a message', {
    areas: [anon('A', 2)],
    uffds: [uffdRegs('U', [{ area: 'A', first: 0, pages: 1 }], { features: ['EVENT_UNMAP'], nonblock: true }), uffdRegs('V', [{ area: 'A', first: 1, pages: 1 }], { nonblock: true })],
    threads: [worker('w', [munmap('A', 0, 2)]), monitor('m', [readMsgs('V', 4), readMsgs('U', 4)])],
  }, ['w', 'm', 'w']),
  kase('unmap-event-eagain', 'while an UNMAP event is unread (mmap_changing): COPY and ZEROPAGE elsewhere fail with EAGAIN and -11 in their field; after munmap returns, they fill', {
    areas: [anon('A', 3)], uffds: [uffd('U', ['A'], { features: ['EVENT_UNMAP'] })],
    threads: [
      worker('w', [munmap('A', 0, 1)]),
      monitor('m', [copy('U', 'A', 1, 5), zeropage('U', 'A', 2), wake('U', 'A', 1), readMsgs('U')]),
      monitor('m2', [copy('U', 'A', 1, 6), zeropage('U', 'A', 2), read('A', 1)]),
    ],
  }, ['w', 'm', 'w', 'm2']),
];
