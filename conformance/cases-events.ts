/**
 * Event, hugetlb and raw-ioctl conformance cases: the same format as
 * conformance/cases.ts. Those in MODELLED (REMOVE, REMAP, FORK, raw ioctl values
 * of REGISTER/UNREGISTER/WAKE/COPY/ZEROPAGE/WRITEPROTECT/CONTINUE, minor faults,
 * hugetlb) run on the model and are part of the suite (modelledEventCases). The
 * rest are kernel-only, for what the model cannot run yet (conformance/script.ts
 * lists the shapes): SIGBUS/WP_ASYNC. Not wired into the
 * suite: `node dist/conformance/kernel-main.js` prints what this machine's
 * kernel does for each (the oracle for the model, once it has these
 * operations); test/conformance.test.ts only checks that each runs to the end.
 *
 * Determinism: an event producer (munmap, mremap, madvise, fork) sleeps until
 * its message is read, and once woken finishes outside its turn, lowering
 * mmap_changing at some point: so the monitor that reads the event does
 * nothing after it in the same turn whose result depends on that; later
 * operations go to another monitor thread scheduled after the producer's turn.
 */
import type { ConformanceCase } from './script.js';

type Obj = { [k: string]: unknown };

const area = (name: string, pages: number, kind: string, extra: Obj = {}): Obj => ({ name, pages, kind, ...extra });
const worker = (name: string, ops: Obj[]): Obj => ({ name, role: 'worker', ops });
const monitor = (name: string, ops: Obj[]): Obj => ({ name, role: 'monitor', ops });
const reg = (areaName: string, first: number, pages: number, modes: string[] = ['MISSING']): Obj => ({ area: areaName, first, pages, modes });
const read = (a: string, page: number): Obj => ({ op: 'read', area: a, page });
const copy = (u: string, a: string, page: number, content: number, extra: Obj = {}): Obj => ({ op: 'copy', uffd: u, area: a, page, content, ...extra });
const zeropage = (u: string, a: string, page: number, extra: Obj = {}): Obj => ({ op: 'zeropage', uffd: u, area: a, page, ...extra });
const readMsgs = (u: string, max = 1): Obj => ({ op: 'read_msgs', uffd: u, max });
const madvise = (a: string, first: number, pages: number, advice: string): Obj => ({ op: 'madvise', area: a, first, pages, advice });
const mremap = (a: string, first: number, pages: number, newPages: number, flags: string[], to: { area: string; first: number } | null = null): Obj =>
  ({ op: 'mremap', area: a, first, pages, new_pages: newPages, flags, to });
const raw = (u: string, cmd: string, a: string, offset: number, len: number | string, mode = 0, content = 1): Obj =>
  ({ op: 'raw_ioctl', uffd: u, cmd, area: a, offset, len, mode, content });
const register = (u: string, a: string, first: number, pages: number, modes: string[]): Obj => ({ op: 'register', uffd: u, area: a, first, pages, modes });

const HPAGE = 2 << 20;
const PAGE = 4096;
/** Wraps around the 64-bit address space from any user address. */
const HUGE_LEN = '0xfffffffffffff000';

/** The cases of this file the model runs (their operations are modelled): wired into the suite like conformance/cases.ts. */
const MODELLED = new Set([
  'remove-dontneed', 'remove-dontneed-no-feature', 'remove-madv-remove-shmem', 'remove-eagain', 'remove-unregistered-range',
  'remap-move-fixed', 'remap-dontunmap', 'remap-no-feature', 'remap-eagain', 'remap-shrink-unmap', 'remap-einval',
  'fork-event', 'fork-no-feature', 'remap-move-unmaps-source', 'remove-two-vmas',
  'raw-copy-einval', 'raw-zeropage-einval', 'raw-range-einval', 'raw-range-holes', 'remap-grow-in-place', 'raw-writeprotect',
  'continue-shmem', 'continue-errors', 'continue-eagain', 'continue-partial', 'continue-minor-fault',
  'hugetlb-register-modes', 'hugetlb-register-alignment', 'hugetlb-copy-zeropage', 'hugetlb-continue',
  'hugetlb-fill-errors', 'hugetlb-private-copy-continue', 'hugetlb-unregister-split',
  'hugetlb-minor-fault-second-mapping', 'hugetlb-private-minor-cow', 'continue-second-mapping-shmem', 'continue-private-cow-shmem',
  'hugetlb-continue-eagain',
]);

function kase(name: string, description: string, s: { areas: Obj[]; uffds: Obj[]; threads: Obj[] }, schedule: string[], hugePages?: number): ConformanceCase {
  const c: ConformanceCase = { name, scenario: { name, description, ...s }, schedule, kernelOnly: !MODELLED.has(name) };
  if (hugePages !== undefined) c.hugePages = hugePages;
  return c;
}

export const eventCases: readonly ConformanceCase[] = [
  // ---------------------------------------------------------------- UFFD_EVENT_REMOVE (madvise)
  kase('remove-dontneed', 'MADV_DONTNEED of two filled pages with EVENT_REMOVE: madvise sleeps until REMOVE [A[0], A[2]) is read; afterwards the pages are missing again (COPY fills)', {
    areas: [area('A', 3, 'anon')], uffds: [{ name: 'U', features: ['EVENT_REMOVE'], register: [reg('A', 0, 3)] }],
    threads: [worker('w', [copy('U', 'A', 0, 5, { pages: 2 }), madvise('A', 0, 2, 'MADV_DONTNEED')]), monitor('m', [readMsgs('U', 2)]), monitor('m2', [copy('U', 'A', 0, 6), copy('U', 'A', 1, 7)])],
  }, ['w', 'm', 'w', 'm2']),
  kase('remove-two-vmas', 'MADV_DONTNEED over A[0..3) where U is registered on A[0] and A[2] only: one REMOVE per registered VMA, clipped to it ([A[0], A[1]), then [A[2], A[3])), none for the unregistered middle', {
    areas: [area('A', 3, 'anon')], uffds: [{ name: 'U', features: ['EVENT_REMOVE'], register: [reg('A', 0, 1), reg('A', 2, 1)] }],
    threads: [worker('w', [madvise('A', 0, 3, 'MADV_DONTNEED')]), monitor('m', [readMsgs('U', 1)]), monitor('m2', [readMsgs('U', 1)])],
  }, ['w', 'm', 'w', 'm2', 'w']),
  kase('remove-dontneed-no-feature', 'MADV_DONTNEED without EVENT_REMOVE: no message, no sleep; the page is missing again', {
    areas: [area('A', 2, 'anon')], uffds: [{ name: 'U', nonblock: true, register: [reg('A', 0, 2)] }],
    threads: [worker('w', [copy('U', 'A', 0, 5), madvise('A', 0, 2, 'MADV_DONTNEED'), readMsgs('U'), copy('U', 'A', 0, 6)])],
  }, ['w']),
  kase('remove-madv-remove-shmem', 'MADV_REMOVE on shmem with EVENT_REMOVE: REMOVE [A[1], A[2]); the page cache page is gone (COPY fills again)', {
    areas: [area('A', 2, 'shmem')], uffds: [{ name: 'U', features: ['EVENT_REMOVE'], register: [reg('A', 0, 2)] }],
    threads: [worker('w', [copy('U', 'A', 1, 5), madvise('A', 1, 1, 'MADV_REMOVE')]), monitor('m', [readMsgs('U', 2)]), monitor('m2', [copy('U', 'A', 1, 6)])],
  }, ['w', 'm', 'w', 'm2']),
  kase('remove-eagain', 'while a REMOVE event is unread: COPY and ZEROPAGE fail with EAGAIN and -11', {
    areas: [area('A', 3, 'anon')], uffds: [{ name: 'U', features: ['EVENT_REMOVE'], register: [reg('A', 0, 3)] }],
    threads: [worker('w', [madvise('A', 0, 1, 'MADV_DONTNEED')]), monitor('m', [copy('U', 'A', 1, 5), zeropage('U', 'A', 2), readMsgs('U')]), monitor('m2', [copy('U', 'A', 1, 6)])],
  }, ['w', 'm', 'w', 'm2']),
  kase('remove-unregistered-range', 'MADV_DONTNEED of an unregistered range next to a registered one: no event', {
    areas: [area('A', 2, 'anon')], uffds: [{ name: 'U', nonblock: true, features: ['EVENT_REMOVE'], register: [reg('A', 0, 1)] }],
    threads: [worker('w', [madvise('A', 1, 1, 'MADV_DONTNEED'), readMsgs('U')])],
  }, ['w']),

  // ---------------------------------------------------------------- UFFD_EVENT_REMAP (mremap)
  kase('remap-move-fixed', 'mremap MAYMOVE|FIXED of a registered area to B with EVENT_REMAP: sleeps until REMAP A[0] -> B[0] len 2 is read; the registration moved: COPY into B fills, into A is ENOENT', {
    areas: [area('A', 2, 'anon'), area('B', 2, 'anon', { mapped: false })], uffds: [{ name: 'U', features: ['EVENT_REMAP'], register: [reg('A', 0, 2)] }],
    threads: [worker('w', [mremap('A', 0, 2, 2, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], { area: 'B', first: 0 })]), monitor('m', [readMsgs('U', 2)]), monitor('m2', [copy('U', 'B', 0, 5), copy('U', 'A', 0, 6), read('B', 0)])],
  }, ['w', 'm', 'w', 'm2']),
  kase('remap-move-unmaps-source', 'mremap MAYMOVE|FIXED with EVENT_REMAP and EVENT_UNMAP: REMAP A[0] -> B[0] first, then UNMAP of the source range [A[0], A[2]) (unmap_source_vma()), each read by its own monitor turn', {
    areas: [area('A', 2, 'anon'), area('B', 2, 'anon', { mapped: false })], uffds: [{ name: 'U', features: ['EVENT_REMAP', 'EVENT_UNMAP'], register: [reg('A', 0, 2)] }],
    threads: [worker('w', [mremap('A', 0, 2, 2, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], { area: 'B', first: 0 })]), monitor('m', [readMsgs('U', 1)]), monitor('m2', [readMsgs('U', 1)]), monitor('m3', [copy('U', 'B', 0, 5), copy('U', 'A', 0, 6)])],
  }, ['w', 'm', 'w', 'm2', 'w', 'm3']),
  kase('remap-dontunmap', 'mremap MAYMOVE|FIXED|DONTUNMAP with EVENT_REMAP: REMAP A[0] -> B[0]; the old range stays mapped; which side is still registered (COPY into each)', {
    areas: [area('A', 2, 'anon'), area('B', 2, 'anon', { mapped: false })], uffds: [{ name: 'U', features: ['EVENT_REMAP'], register: [reg('A', 0, 2)] }],
    threads: [worker('w', [copy('U', 'A', 0, 4), mremap('A', 0, 2, 2, ['MREMAP_MAYMOVE', 'MREMAP_FIXED', 'MREMAP_DONTUNMAP'], { area: 'B', first: 0 })]), monitor('m', [readMsgs('U', 2)]), monitor('m2', [copy('U', 'B', 1, 5), copy('U', 'A', 1, 6), read('B', 0)])],
  }, ['w', 'm', 'w', 'm2']),
  kase('remap-no-feature', 'mremap move without EVENT_REMAP: no event, no sleep; the moved VMA is no longer registered (COPY into B: ENOENT)', {
    areas: [area('A', 2, 'anon'), area('B', 2, 'anon', { mapped: false })], uffds: [{ name: 'U', nonblock: true, register: [reg('A', 0, 2)] }],
    threads: [worker('w', [mremap('A', 0, 2, 2, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], { area: 'B', first: 0 }), readMsgs('U'), copy('U', 'B', 0, 5)])],
  }, ['w']),
  kase('remap-eagain', 'while a REMAP event is unread: COPY into the moved range fails with EAGAIN and -11', {
    areas: [area('A', 2, 'anon'), area('B', 2, 'anon', { mapped: false })], uffds: [{ name: 'U', features: ['EVENT_REMAP'], register: [reg('A', 0, 2)] }],
    threads: [worker('w', [mremap('A', 0, 2, 2, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], { area: 'B', first: 0 })]), monitor('m', [copy('U', 'B', 0, 5), zeropage('U', 'B', 1), readMsgs('U')]), monitor('m2', [copy('U', 'B', 0, 6)])],
  }, ['w', 'm', 'w', 'm2']),
  kase('remap-shrink-unmap', 'mremap shrinking a registered area from 3 to 1 page in place, with EVENT_UNMAP and EVENT_REMAP: one UNMAP [A[1], A[3]), no REMAP', {
    areas: [area('A', 3, 'anon')], uffds: [{ name: 'U', nonblock: true, features: ['EVENT_UNMAP', 'EVENT_REMAP'], register: [reg('A', 0, 3)] }],
    threads: [worker('w', [mremap('A', 0, 3, 1, [])]), monitor('m', [readMsgs('U', 4)]), monitor('m2', [readMsgs('U', 4), copy('U', 'A', 0, 5)])],
  }, ['w', 'm', 'w', 'm2']),
  kase('remap-grow-in-place', 'mremap growing a registered 1-page area into the free (guard) page after it, no flags: 0, address unchanged, no event; a 2-page COPY shows whether the new page is registered too', {
    areas: [area('A', 1, 'anon'), area('B', 1, 'anon', { mapped: false })], uffds: [{ name: 'U', nonblock: true, features: ['EVENT_REMAP', 'EVENT_UNMAP'], register: [reg('A', 0, 1)] }],
    threads: [worker('w', [mremap('A', 0, 1, 2, []), readMsgs('U'), raw('U', 'COPY', 'A', 0, 2 * PAGE, 0, 5)])],
  }, ['w']),
  kase('remap-einval', 'mremap EINVAL cases: DONTUNMAP without MAYMOVE, FIXED without MAYMOVE, DONTUNMAP with a size change, a FIXED target overlapping the source; nothing moved (COPY into A fills)', {
    areas: [area('A', 2, 'anon'), area('B', 3, 'anon', { mapped: false })], uffds: [{ name: 'U', nonblock: true, features: ['EVENT_REMAP'], register: [reg('A', 0, 2)] }],
    threads: [worker('w', [
      mremap('A', 0, 2, 2, ['MREMAP_DONTUNMAP'], { area: 'B', first: 0 }),
      mremap('A', 0, 2, 2, ['MREMAP_FIXED'], { area: 'B', first: 0 }),
      mremap('A', 0, 2, 3, ['MREMAP_MAYMOVE', 'MREMAP_FIXED', 'MREMAP_DONTUNMAP'], { area: 'B', first: 0 }),
      mremap('A', 0, 2, 2, ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], { area: 'A', first: 1 }),
      readMsgs('U'), copy('U', 'A', 0, 5),
    ])],
  }, ['w']),

  // ---------------------------------------------------------------- UFFD_EVENT_FORK
  kase('fork-event', 'fork (raw syscall) with EVENT_FORK on a registered area: the parent sleeps until the monitor reads FORK, which carries a new uffd', {
    areas: [area('A', 1, 'anon')], uffds: [{ name: 'U', features: ['EVENT_FORK'], register: [reg('A', 0, 1)] }],
    threads: [worker('w', [{ op: 'fork' }]), monitor('m', [readMsgs('U', 2)])],
  }, ['w', 'm', 'w']),
  kase('fork-no-feature', 'fork without EVENT_FORK: no event, no sleep', {
    areas: [area('A', 1, 'anon')], uffds: [{ name: 'U', nonblock: true, register: [reg('A', 0, 1)] }],
    threads: [worker('w', [{ op: 'fork' }, readMsgs('U'), copy('U', 'A', 0, 5)])],
  }, ['w']),

  // ---------------------------------------------------------------- hugetlb
  kase('hugetlb-register-modes', 'hugetlb: REGISTER MISSING 0x10c (no ZEROPAGE, no MOVE), WP 0x14c, MINOR 0x18c, all 0x1cc', {
    areas: [area('H', 4, 'hugetlb')], uffds: [{ name: 'U' }],
    threads: [worker('w', [register('U', 'H', 0, 1, ['MISSING']), register('U', 'H', 1, 1, ['WP']), register('U', 'H', 2, 1, ['MINOR']), register('U', 'H', 3, 1, ['MISSING', 'WP', 'MINOR'])])],
  }, ['w'], 4),
  kase('hugetlb-register-alignment', 'hugetlb: REGISTER and UNREGISTER with a start or end inside a huge page: EINVAL', {
    areas: [area('H', 2, 'hugetlb')], uffds: [{ name: 'U' }],
    threads: [worker('w', [
      raw('U', 'REGISTER', 'H', PAGE, HPAGE - PAGE, 1), raw('U', 'REGISTER', 'H', 0, PAGE, 1), raw('U', 'REGISTER', 'H', 0, HPAGE + PAGE, 1),
      raw('U', 'REGISTER', 'H', 0, HPAGE, 1), raw('U', 'UNREGISTER', 'H', PAGE, HPAGE - PAGE), raw('U', 'UNREGISTER', 'H', 0, HPAGE),
    ])],
  }, ['w'], 2),
  kase('hugetlb-copy-zeropage', 'hugetlb: COPY of a huge page fills 2 MiB; again EEXIST; ZEROPAGE is EINVAL; a fault blocks and COPY wakes it', {
    areas: [area('H', 2, 'hugetlb')], uffds: [{ name: 'U', register: [reg('H', 0, 2)] }],
    threads: [worker('w', [copy('U', 'H', 0, 5), copy('U', 'H', 0, 6), zeropage('U', 'H', 1), read('H', 0)]), worker('t', [read('H', 1)]), monitor('m', [readMsgs('U'), copy('U', 'H', 1, 7)])],
  }, ['w', 't', 'm', 't'], 2),
  kase('hugetlb-continue', 'hugetlb MINOR: CONTINUE with no page in the page cache: EFAULT (mapped = -14)', {
    areas: [area('H', 1, 'hugetlb')], uffds: [{ name: 'U', register: [reg('H', 0, 1, ['MINOR'])] }],
    threads: [worker('w', [raw('U', 'CONTINUE', 'H', 0, HPAGE), raw('U', 'CONTINUE', 'H', 0, PAGE)])],
  }, ['w'], 1),

  kase('hugetlb-fill-errors', 'hugetlb (MAP_SHARED) COPY/ZEROPAGE/CONTINUE errors: dst or len inside a huge page EINVAL (copy = -22), ZEROPAGE EINVAL (-22), CONTINUE bad mode and wraparound EINVAL (unwritten), WP on a range not registered WP EINVAL (-22); COPY of 2 huge pages over a filled second one: EAGAIN, copy = 2 MiB (partial); CONTINUE over a mapped page EEXIST (-17), with no page-cache page EFAULT (-14)', {
    areas: [area('H', 3, 'hugetlb')], uffds: [{ name: 'U', register: [reg('H', 0, 3, ['MISSING', 'MINOR'])] }],
    threads: [worker('w', [
      raw('U', 'COPY', 'H', PAGE, HPAGE), raw('U', 'COPY', 'H', 0, PAGE), raw('U', 'ZEROPAGE', 'H', 0, HPAGE),
      raw('U', 'CONTINUE', 'H', 0, HPAGE, 4), raw('U', 'CONTINUE', 'H', 0, HUGE_LEN), raw('U', 'CONTINUE', 'H', 0, HPAGE, 2),
      raw('U', 'COPY', 'H', HPAGE, HPAGE, 0, 3), raw('U', 'COPY', 'H', 0, 2 * HPAGE), raw('U', 'CONTINUE', 'H', 0, HPAGE),
      raw('U', 'CONTINUE', 'H', 2 * HPAGE, HPAGE), raw('U', 'CONTINUE', 'H', 0, 3 * HPAGE), read('H', 0), read('H', 1),
    ])],
  }, ['w'], 3),
  kase('hugetlb-private-copy-continue', 'hugetlb MAP_PRIVATE: COPY makes an anonymous huge page (not in the page cache): CONTINUE there EFAULT; a fault blocks, COPY wakes it; writes after COPY need no fault', {
    areas: [area('H', 2, 'hugetlb', { shared: false })], uffds: [{ name: 'U', register: [reg('H', 0, 2, ['MISSING', 'MINOR'])] }],
    threads: [
      worker('w', [copy('U', 'H', 0, 5), raw('U', 'CONTINUE', 'H', 0, HPAGE), raw('U', 'CONTINUE', 'H', HPAGE, HPAGE), read('H', 0), { op: 'write', area: 'H', page: 0, value: 6 }, read('H', 0)]),
      worker('t', [read('H', 1)]), monitor('m', [readMsgs('U'), copy('U', 'H', 1, 7)]),
    ],
  }, ['w', 't', 'm', 't'], 2),
  kase('hugetlb-unregister-split', 'hugetlb: UNREGISTER of a registered range whose end falls inside a huge page (the split fails): EINVAL; an aligned one: 0', {
    areas: [area('H', 2, 'hugetlb')], uffds: [{ name: 'U', register: [reg('H', 0, 2)] }],
    threads: [worker('w', [raw('U', 'UNREGISTER', 'H', 0, HPAGE + PAGE), raw('U', 'UNREGISTER', 'H', 0, HPAGE), raw('U', 'COPY', 'H', 0, HPAGE), raw('U', 'COPY', 'H', HPAGE, HPAGE)])],
  }, ['w'], 2),

  kase('hugetlb-minor-fault-second-mapping', 'hugetlbfs file mapped twice (a memfd, MFD_HUGETLB), A registered MINOR, B not: gc writes B[0] (its fault puts the huge page in the page cache); t0 reads A[0]: a minor fault (flags 4); CONTINUE maps it (mapped = 2 MiB) and wakes t0, which sees 42; again EEXIST; t0 writes A[0] and B[0] shows it', {
    areas: [area('A', 1, 'hugetlb', { file: 'heap' }), area('B', 1, 'hugetlb', { file: 'heap' })], uffds: [{ name: 'U', register: [reg('A', 0, 1, ['MINOR'])] }],
    threads: [
      worker('gc', [{ op: 'write', area: 'B', page: 0, value: 42 }]), worker('t0', [read('A', 0), { op: 'write', area: 'A', page: 0, value: 7 }, read('B', 0)]),
      monitor('m', [readMsgs('U'), raw('U', 'CONTINUE', 'A', 0, HPAGE), raw('U', 'CONTINUE', 'A', 0, HPAGE)]),
    ],
  }, ['gc', 't0', 'm', 't0'], 2),
  kase('hugetlb-private-minor-cow', 'hugetlbfs file F mapped MAP_PRIVATE by A (registered MINOR) and MAP_SHARED by B: after gc writes B[0] = 42, t0\'s write to A[0] is a minor fault (flags 5); CONTINUE maps the folio read-only, so the retried write CoWs: A[0] = 9, B[0] stays 42', {
    areas: [area('A', 1, 'hugetlb', { shared: false, file: 'F' }), area('B', 1, 'hugetlb', { file: 'F' })], uffds: [{ name: 'U', register: [reg('A', 0, 1, ['MINOR'])] }],
    threads: [
      worker('gc', [{ op: 'write', area: 'B', page: 0, value: 42 }]), worker('t0', [{ op: 'write', area: 'A', page: 0, value: 9 }, read('A', 0), read('B', 0)]),
      monitor('m', [readMsgs('U'), raw('U', 'CONTINUE', 'A', 0, HPAGE)]),
    ],
  }, ['gc', 't0', 'm', 't0'], 3),
  kase('hugetlb-continue-eagain', 'while an UNMAP event of the same uffd (an anon page) is unread: CONTINUE of a cached huge page fails with EAGAIN and mapped = -11; after the read it maps (2 MiB) what was written through the second mapping', {
    areas: [area('H', 1, 'hugetlb', { file: 'heap' }), area('B', 1, 'hugetlb', { file: 'heap' }), area('A', 1, 'anon')],
    uffds: [{ name: 'U', features: ['EVENT_UNMAP'], register: [reg('H', 0, 1, ['MINOR']), reg('A', 0, 1)] }],
    threads: [
      worker('w', [{ op: 'write', area: 'B', page: 0, value: 9 }, { op: 'munmap', area: 'A', first: 0, pages: 1 }]),
      monitor('m', [raw('U', 'CONTINUE', 'H', 0, HPAGE), readMsgs('U')]), monitor('m2', [raw('U', 'CONTINUE', 'H', 0, HPAGE), read('H', 0)]),
    ],
  }, ['w', 'm', 'w', 'm2'], 2),

  // ---------------------------------------------------------------- UFFDIO_CONTINUE (shmem)
  kase('continue-second-mapping-shmem', 'shmem file mapped twice (a memfd), A registered MINOR, B not: gc writes B[0]; t0 reads A[0]: a minor fault (flags 4); CONTINUE maps it (mapped = 4096) and wakes t0, which sees 42; again EEXIST; t0 writes A[0] and B[0] shows it', {
    areas: [area('A', 1, 'shmem', { file: 'heap' }), area('B', 1, 'shmem', { file: 'heap' })], uffds: [{ name: 'U', register: [reg('A', 0, 1, ['MINOR'])] }],
    threads: [
      worker('gc', [{ op: 'write', area: 'B', page: 0, value: 42 }]), worker('t0', [read('A', 0), { op: 'write', area: 'A', page: 0, value: 7 }, read('B', 0)]),
      monitor('m', [readMsgs('U'), raw('U', 'CONTINUE', 'A', 0, PAGE), raw('U', 'CONTINUE', 'A', 0, PAGE)]),
    ],
  }, ['gc', 't0', 'm', 't0']),
  kase('continue-private-cow-shmem', 'shmem file F mapped MAP_PRIVATE by A (registered MINOR) and MAP_SHARED by B: after gc writes B[0] = 42, t0\'s write to A[0] is a minor fault (flags 5); CONTINUE maps the folio read-only, so the retried write CoWs: A[0] = 9, B[0] stays 42', {
    areas: [area('A', 1, 'shmem', { shared: false, file: 'F' }), area('B', 1, 'shmem', { file: 'F' })], uffds: [{ name: 'U', register: [reg('A', 0, 1, ['MINOR'])] }],
    threads: [
      worker('gc', [{ op: 'write', area: 'B', page: 0, value: 42 }]), worker('t0', [{ op: 'write', area: 'A', page: 0, value: 9 }, read('A', 0), read('B', 0)]),
      monitor('m', [readMsgs('U'), raw('U', 'CONTINUE', 'A', 0, PAGE)]),
    ],
  }, ['gc', 't0', 'm', 't0']),
  kase('continue-shmem', 'shmem MINOR: CONTINUE with no page cache page: EFAULT; after COPY then MADV_DONTNEED (pte gone, page cache kept): CONTINUE maps it (mapped = 4096); again: EEXIST', {
    areas: [area('A', 2, 'shmem')], uffds: [{ name: 'U', register: [reg('A', 0, 2, ['MISSING', 'MINOR'])] }],
    threads: [worker('w', [
      raw('U', 'CONTINUE', 'A', 0, PAGE), copy('U', 'A', 0, 9), raw('U', 'CONTINUE', 'A', 0, PAGE), madvise('A', 0, 1, 'MADV_DONTNEED'),
      raw('U', 'CONTINUE', 'A', 0, PAGE), raw('U', 'CONTINUE', 'A', 0, PAGE), read('A', 0),
    ])],
  }, ['w']),
  kase('continue-errors', 'CONTINUE: on anon (MISSING) EINVAL, unregistered ENOENT, bad mode EINVAL, misaligned EINVAL, wraparound EINVAL', {
    areas: [area('A', 1, 'anon'), area('S', 1, 'shmem'), area('B', 1, 'anon')], uffds: [{ name: 'U', register: [reg('A', 0, 1), reg('S', 0, 1, ['MINOR'])] }],
    threads: [worker('w', [
      raw('U', 'CONTINUE', 'A', 0, PAGE), raw('U', 'CONTINUE', 'B', 0, PAGE), raw('U', 'CONTINUE', 'S', 0, PAGE, 4),
      raw('U', 'CONTINUE', 'S', 1, PAGE), raw('U', 'CONTINUE', 'S', 0, HUGE_LEN),
    ])],
  }, ['w']),

  kase('continue-eagain', 'while an UNMAP event is unread: CONTINUE fails with EAGAIN and mapped = -11; after the read it maps (4096)', {
    areas: [area('A', 2, 'shmem')], uffds: [{ name: 'U', features: ['EVENT_UNMAP'], register: [reg('A', 0, 2, ['MISSING', 'MINOR'])] }],
    threads: [
      worker('w', [copy('U', 'A', 0, 9), madvise('A', 0, 1, 'MADV_DONTNEED'), { op: 'munmap', area: 'A', first: 1, pages: 1 }]),
      monitor('m', [raw('U', 'CONTINUE', 'A', 0, PAGE), readMsgs('U')]), monitor('m2', [raw('U', 'CONTINUE', 'A', 0, PAGE), read('A', 0)]),
    ],
  }, ['w', 'm', 'w', 'm2']),
  kase('continue-partial', 'CONTINUE of two pages whose second has no page-cache page: EAGAIN with mapped = 4096 (partial); of that page alone: EFAULT; with mode WP on a range not registered WP: EINVAL, mapped = -22', {
    areas: [area('A', 2, 'shmem')], uffds: [{ name: 'U', register: [reg('A', 0, 2, ['MISSING', 'MINOR'])] }],
    threads: [worker('w', [
      copy('U', 'A', 0, 9), madvise('A', 0, 1, 'MADV_DONTNEED'), raw('U', 'CONTINUE', 'A', 0, 2 * PAGE), raw('U', 'CONTINUE', 'A', PAGE, PAGE),
      madvise('A', 0, 1, 'MADV_DONTNEED'), raw('U', 'CONTINUE', 'A', 0, PAGE, 2), read('A', 0),
    ])],
  }, ['w']),
  kase('continue-minor-fault', 'a read and a write of a cached page with no pte are minor faults (flags 4 and 5: UFFD_PAGEFAULT_FLAG_MINOR); CONTINUE with DONTWAKE maps both pages and wakes nobody; WAKE wakes both, which see the page-cache content', {
    areas: [area('A', 2, 'shmem')], uffds: [{ name: 'U', register: [reg('A', 0, 2, ['MISSING', 'MINOR'])] }],
    threads: [
      worker('w', [copy('U', 'A', 0, 9, { pages: 2 }), madvise('A', 0, 2, 'MADV_DONTNEED')]),
      worker('r', [read('A', 0)]), worker('x', [{ op: 'write', area: 'A', page: 1, value: 3 }, read('A', 1)]),
      monitor('m', [readMsgs('U', 2), raw('U', 'CONTINUE', 'A', 0, 2 * PAGE, 1)]), monitor('m2', [{ op: 'wake', uffd: 'U', area: 'A', first: 0, pages: 2 }]),
    ],
  }, ['w', 'r', 'x', 'm', 'm2', 'r', 'x']),
  // ---------------------------------------------------------------- raw values: range and mode validation
  kase('raw-copy-einval', 'COPY: misaligned dst, zero, unaligned and wrapping lengths, unknown mode bit: EINVAL with copy unwritten; MODE_WP on a range not registered WP: EINVAL with copy = -22; MODE_DONTWAKE fills', {
    areas: [area('A', 2, 'anon')], uffds: [{ name: 'U', register: [reg('A', 0, 2)] }],
    threads: [worker('w', [
      raw('U', 'COPY', 'A', 1, PAGE), raw('U', 'COPY', 'A', 0, 0), raw('U', 'COPY', 'A', 0, 100), raw('U', 'COPY', 'A', 0, HUGE_LEN),
      raw('U', 'COPY', 'A', 0, PAGE, 4), raw('U', 'COPY', 'A', 0, PAGE, 2), raw('U', 'COPY', 'A', 0, PAGE, 1, 7), read('A', 0),
    ])],
  }, ['w']),
  kase('raw-zeropage-einval', 'ZEROPAGE: misaligned, zero length, wrapping, mode WP (not allowed for ZEROPAGE): EINVAL, field unwritten; mode DONTWAKE fills', {
    areas: [area('A', 1, 'anon')], uffds: [{ name: 'U', register: [reg('A', 0, 1)] }],
    threads: [worker('w', [raw('U', 'ZEROPAGE', 'A', 8, PAGE), raw('U', 'ZEROPAGE', 'A', 0, 0), raw('U', 'ZEROPAGE', 'A', 0, HUGE_LEN), raw('U', 'ZEROPAGE', 'A', 0, PAGE, 2), raw('U', 'ZEROPAGE', 'A', 0, PAGE, 1)])],
  }, ['w']),
  kase('raw-range-einval', 'WAKE, UNREGISTER and REGISTER: misaligned start, unaligned or zero length, wraparound: EINVAL; REGISTER with an unknown mode bit: EINVAL', {
    areas: [area('A', 1, 'anon')], uffds: [{ name: 'U', register: [reg('A', 0, 1)] }],
    threads: [worker('w', [
      raw('U', 'WAKE', 'A', 1, PAGE), raw('U', 'WAKE', 'A', 0, 0), raw('U', 'WAKE', 'A', 0, HUGE_LEN),
      raw('U', 'UNREGISTER', 'A', 1, PAGE), raw('U', 'UNREGISTER', 'A', 0, 5), raw('U', 'UNREGISTER', 'A', 0, HUGE_LEN),
      raw('U', 'REGISTER', 'A', 1, PAGE, 1), raw('U', 'REGISTER', 'A', 0, 0, 1), raw('U', 'REGISTER', 'A', 0, PAGE, 8), raw('U', 'REGISTER', 'A', 0, HUGE_LEN, 1),
    ])],
  }, ['w']),
  kase('raw-range-holes', 'ranges beyond the areas: REGISTER and UNREGISTER of a hole (the guard page): EINVAL; WAKE there: 0; COPY there: ENOENT (copy = -2)', {
    areas: [area('A', 1, 'anon'), area('B', 1, 'anon')], uffds: [{ name: 'U', register: [reg('A', 0, 1)] }],
    threads: [worker('w', [raw('U', 'REGISTER', 'A', PAGE, PAGE, 1), raw('U', 'UNREGISTER', 'A', PAGE, PAGE), raw('U', 'WAKE', 'A', PAGE, PAGE), raw('U', 'COPY', 'A', PAGE, PAGE), raw('U', 'REGISTER', 'A', 0, 3 * PAGE, 1)])],
  }, ['w']),
  kase('raw-writeprotect', 'WRITEPROTECT: on a MISSING-only range ENOENT; WP|DONTWAKE together EINVAL; on a WP range 0', {
    areas: [area('A', 1, 'anon'), area('B', 1, 'anon')], uffds: [{ name: 'U', register: [reg('A', 0, 1), reg('B', 0, 1, ['WP'])] }],
    threads: [worker('w', [raw('U', 'WRITEPROTECT', 'A', 0, PAGE, 1), raw('U', 'WRITEPROTECT', 'B', 0, PAGE, 3), raw('U', 'WRITEPROTECT', 'B', 0, PAGE, 1), raw('U', 'WRITEPROTECT', 'B', 0, PAGE, 0)])],
  }, ['w']),
  kase('api-sigbus-wp-async', 'UFFDIO_API with SIGBUS, WP_ASYNC and EVENT_FORK (root): all succeed; a fault in a MISSING range then gets SIGBUS', {
    areas: [area('A', 1, 'anon')], uffds: [{ name: 'U', api: false }],
    threads: [worker('w', [{ op: 'api', uffd: 'U', features: ['SIGBUS', 'WP_ASYNC', 'EVENT_FORK'] }, register('U', 'A', 0, 1, ['MISSING']), read('A', 0)])],
  }, ['w']),
];

/** The cases above the model runs: part of the conformance suite (test/conformance.test.ts, uffd-mc conform). */
export const modelledEventCases: readonly ConformanceCase[] = eventCases.filter(c => c.kernelOnly !== true);
