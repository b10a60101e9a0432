/**
 * Built-in scenarios. Each is the same object a scenario JSON file holds
 * (`uffd-mc show NAME` prints it), run through the same validation.
 * Pages are area-relative: { area: 'A', page: 0 } is A's first page.
 */
import type { Scenario } from '../model/scenario.js';
import { parseScenario } from '../model/scenario.js';

const anon = (pages: number) => [{ name: 'A', pages, kind: 'anon', shared: false, mapped: true }];
const uffdU = (pages: number) => [{ name: 'U', features: [], register: [{ area: 'A', first: 0, pages, modes: ['MISSING'] }] }];
/** A uffd with UFFD_FEATURE_EVENT_UNMAP registered (MISSING) on the given page ranges of A. */
const unmapUffd = (name: string, ranges: [number, number][], features: string[] = ['UFFD_FEATURE_EVENT_UNMAP']) =>
  ({ name, features, register: ranges.map(([first, pages]) => ({ area: 'A', first, pages, modes: ['MISSING'] })) });
const server = (name: string, uffd: string) => ({ name, role: 'monitor', ops: [{ op: 'serve', uffd, how: 'copy' }] });
/** A uffd registered (MISSING) on area `area` pages [first, first+pages) with the given event features. */
const eventUffd = (name: string, features: string[], ranges: [string, number, number][], nonblock = false) =>
  ({ name, features, nonblock, register: ranges.map(([area, first, pages]) => ({ area, first, pages, modes: ['MISSING'] })) });
const unmapped = (name: string, pages: number) => ({ name, pages, kind: 'anon', mapped: false });

const raw: unknown[] = [
  {
    name: 'fault-and-monitor',
    description: 't0 reads a missing page of a MISSING-registered anon area; monitor m0 reads the fault message and UFFDIO_COPYs the page.',
    areas: anon(1), uffds: uffdU(1),
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'm0', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U' }, { op: 'resolve', uffd: 'U', how: 'copy' }] },
    ],
    expect: 'ok',
  },
  {
    name: 'fault-vs-copy',
    description: 't0 faults on A[0] while c0 UFFDIO_COPYs A[0] without reading any message: the copy may land before, during or after the fault is queued (the must_wait re-check race).',
    areas: anon(1), uffds: uffdU(1),
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'c0', role: 'monitor', ops: [{ op: 'copy', uffd: 'U', area: 'A', page: 0 }] },
    ],
    expect: 'ok',
  },
  {
    name: 'two-faulters-one-page',
    description: 't0 and t1 fault on the same page; m0 serves messages forever (COPY, ignoring EEXIST): one COPY must wake both.',
    areas: anon(1), uffds: uffdU(1),
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 't1', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'm0', role: 'monitor', ops: [{ op: 'serve', uffd: 'U', how: 'copy', onEEXIST: 'nothing' }] },
    ],
    expect: 'ok',
  },
  {
    name: 'dontwake-then-wake',
    description: 'm0 resolves t0\'s fault with UFFDIO_COPY_MODE_DONTWAKE, then UFFDIO_WAKE on the page: t0 must wake only through the WAKE.',
    areas: anon(1), uffds: uffdU(1),
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'm0', role: 'monitor', ops: [
        { op: 'read_msgs', uffd: 'U' },
        { op: 'resolve', uffd: 'U', how: 'copy', dontwake: true },
        { op: 'wake', uffd: 'U', area: 'A', first: 0, pages: 1 },
      ] },
    ],
    expect: 'ok',
  },
  {
    name: 'unregister-while-waiting',
    description: 't0 waits on A[0]; m0 reads the message and UFFDIO_UNREGISTERs the area instead of resolving: the unregister must wake t0, whose retry is an ordinary fault.',
    areas: anon(1), uffds: uffdU(1),
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'm0', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U' }, { op: 'unregister', uffd: 'U', area: 'A', first: 0, pages: 1 }] },
    ],
    expect: 'ok',
  },
  {
    name: 'close-while-waiting',
    description: 't0 waits on A[0]; m0 reads the message and closes the uffd: userfaultfd_release() must wake t0, whose retry is an ordinary fault (no SIGBUS).',
    areas: anon(1), uffds: uffdU(1),
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'm0', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U' }, { op: 'close', uffd: 'U' }] },
    ],
    expect: 'ok',
  },
  {
    name: 'refile-race',
    description: 't0 faults on A[0]; r reads the message (refiling it from fault_pending_wqh to fault_wqh) while c UFFDIO_COPYs A[0] and checks the queues locklessly: the smallest refile_seq race.',
    areas: anon(1), uffds: uffdU(1),
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'r', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U' }] },
      { name: 'c', role: 'monitor', ops: [{ op: 'copy', uffd: 'U', area: 'A', page: 0 }] },
    ],
    expect: 'ok',
  },
  {
    name: 'wake-reference',
    description: '3 faulting threads on 2 anon pages (t0, t2 on page 0; t1 on page 1); reader r: blocking read of one message, then UFFDIO_COPY of its page (EEXIST: nothing); background copier c: UFFDIO_COPY page 0 then page 1 (EEXIST: nothing).',
    areas: anon(2), uffds: uffdU(2),
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 't1', role: 'worker', ops: [{ op: 'read', area: 'A', page: 1 }] },
      { name: 't2', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'r', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U', max: 1 }, { op: 'resolve', uffd: 'U', how: 'copy', onEEXIST: 'nothing' }] },
      { name: 'c', role: 'monitor', ops: [
        { op: 'copy', uffd: 'U', area: 'A', page: 0, onEEXIST: 'nothing' },
        { op: 'copy', uffd: 'U', area: 'A', page: 1, onEEXIST: 'nothing' },
      ] },
    ],
    expect: 'ok',
  },
  {
    name: 'unmap-one-vma',
    description: 'w munmaps the whole of A (2 pages, one VMA registered to U with UFFD_FEATURE_EVENT_UNMAP); m serves U forever: exactly one UNMAP event for [A[0], A[2]), read before munmap() returns.',
    areas: anon(2), uffds: [unmapUffd('U', [[0, 2]])],
    threads: [
      { name: 'w', role: 'worker', ops: [{ op: 'munmap', area: 'A', first: 0, pages: 2 }] },
      server('m', 'U'),
    ],
    expect: 'ok',
  },
  {
    name: 'unmap-two-vmas-one-uffd',
    description: 'U (UFFD_FEATURE_EVENT_UNMAP) is registered on A[0] and on A[2] of a 3-page area, so the munmap of all of A meets two of its VMAs (and an unregistered one between): has_unmap_ctx() must make that one UNMAP event; m serves U forever.',
    areas: anon(3), uffds: [unmapUffd('U', [[0, 1], [2, 1]])],
    threads: [
      { name: 'w', role: 'worker', ops: [{ op: 'munmap', area: 'A', first: 0, pages: 3 }] },
      server('m', 'U'),
    ],
    expect: 'ok',
  },
  {
    name: 'unmap-two-uffds',
    description: 'A has 3 pages: A[0] registered to U, A[1] to V (both UFFD_FEATURE_EVENT_UNMAP), A[2] to X (no event feature); w munmaps all of A; m0, m1, m2 serve U, V, X: one UNMAP event each to U and V (U first: list order), none to X.',
    areas: anon(3), uffds: [unmapUffd('U', [[0, 1]]), unmapUffd('V', [[1, 1]]), unmapUffd('X', [[2, 1]], [])],
    threads: [
      { name: 'w', role: 'worker', ops: [{ op: 'munmap', area: 'A', first: 0, pages: 3 }] },
      server('m0', 'U'), server('m1', 'V'), server('m2', 'X'),
    ],
    expect: 'ok',
  },
  {
    name: 'copy-vs-unmap',
    description: 'w munmaps A[0] (U has UFFD_FEATURE_EVENT_UNMAP) while m UFFDIO_COPYs A[0] and then serves U: the COPY lands before the unmap (and is zapped), fails with EAGAIN while the UNMAP event is pending, or finds no VMA (ENOENT); it never installs into the unmapped range.',
    areas: anon(1), uffds: [unmapUffd('U', [[0, 1]])],
    threads: [
      { name: 'w', role: 'worker', ops: [{ op: 'munmap', area: 'A', first: 0, pages: 1 }] },
      { name: 'm', role: 'monitor', ops: [{ op: 'copy', uffd: 'U', area: 'A', page: 0 }, { op: 'serve', uffd: 'U', how: 'copy' }] },
    ],
    expect: 'ok',
  },
  {
    name: 'unmap-three-vmas',
    description: 'U (UFFD_FEATURE_EVENT_UNMAP) is registered on A[0], A[2] and A[4] of a 5-page area; w munmaps A[0..4): five VMAs, three of them U\'s, one UNMAP event; m serves U forever.',
    areas: anon(5), uffds: [unmapUffd('U', [[0, 1], [2, 1], [4, 1]])],
    threads: [
      { name: 'w', role: 'worker', ops: [{ op: 'munmap', area: 'A', first: 0, pages: 5 }] },
      server('m', 'U'),
    ],
    expect: 'ok',
  },
  {
    name: 'remove-vs-copy',
    description: 'Known bug #2 (a759a909d42d): t1 and t2 MADV_DONTNEED A[0] and A[1] (U has UFFD_FEATURE_EVENT_REMOVE), so two REMOVE events can be in flight at once; m reads one message, UFFDIO_COPYs A[1], then reads one more. With mmap_changing a counter the COPY gets EAGAIN while either event is unread.',
    areas: anon(2), uffds: [eventUffd('U', ['UFFD_FEATURE_EVENT_REMOVE'], [['A', 0, 2]])],
    threads: [
      { name: 't1', role: 'worker', ops: [{ op: 'madvise', area: 'A', first: 0, pages: 1, advice: 'MADV_DONTNEED' }] },
      { name: 't2', role: 'worker', ops: [{ op: 'madvise', area: 'A', first: 1, pages: 1, advice: 'MADV_DONTNEED' }] },
      { name: 'm', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U', max: 1 }, { op: 'copy', uffd: 'U', area: 'A', page: 1 }, { op: 'read_msgs', uffd: 'U', max: 1 }] },
    ],
    expect: 'ok',
  },
  {
    name: 'dontunmap-faults',
    description: 'w mremaps A[0] to B[0] with MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP (U has UFFD_FEATURE_EVENT_REMAP), then reads A[0] and B[0]: the old range keeps its VMA and uffd but no page tables, so both reads fault to U as MISSING; m serves U forever.',
    areas: [...anon(1), unmapped('B', 1)], uffds: [eventUffd('U', ['UFFD_FEATURE_EVENT_REMAP'], [['A', 0, 1]])],
    threads: [
      { name: 'w', role: 'worker', ops: [
        { op: 'mremap', area: 'A', first: 0, pages: 1, new_pages: 1, flags: ['MREMAP_MAYMOVE', 'MREMAP_FIXED', 'MREMAP_DONTUNMAP'], to: { area: 'B', first: 0 } },
        { op: 'read', area: 'A', page: 0 }, { op: 'read', area: 'B', page: 0 },
      ] },
      server('m', 'U'),
    ],
    expect: 'ok',
  },
  {
    name: 'copy-vs-dontunmap',
    description: 'w mremaps A[0] to B[0] with MREMAP_DONTUNMAP (U has UFFD_FEATURE_EVENT_REMAP) while m UFFDIO_COPYs A[0] and then reads the REMAP event: the COPY lands before the move (and moves with it) or gets EAGAIN; it never fills the old range while the REMAP event is unread.',
    areas: [...anon(1), unmapped('B', 1)], uffds: [eventUffd('U', ['UFFD_FEATURE_EVENT_REMAP'], [['A', 0, 1]])],
    threads: [
      { name: 'w', role: 'worker', ops: [
        { op: 'mremap', area: 'A', first: 0, pages: 1, new_pages: 1, flags: ['MREMAP_MAYMOVE', 'MREMAP_FIXED', 'MREMAP_DONTUNMAP'], to: { area: 'B', first: 0 } },
      ] },
      { name: 'm', role: 'monitor', ops: [{ op: 'copy', uffd: 'U', area: 'A', page: 0 }, { op: 'read_msgs', uffd: 'U', max: 1 }] },
    ],
    expect: 'ok',
  },
  {
    name: 'criu-like',
    description: 'A CRIU-like lazy-pages monitor m (O_NONBLOCK; serves faults forever; on EAGAIN it reads the pending event and retries the fill) with all four events: t0 reads A[0] (a fault) while w MADV_DONTNEEDs A[1] (REMOVE), moves it to B[0] with MREMAP_FIXED (REMAP, then UNMAP of the source), reads B[0] (a fault at the new place), forks (FORK) and munmaps B[0] (UNMAP).',
    areas: [...anon(2), unmapped('B', 1)],
    uffds: [eventUffd('U', ['UFFD_FEATURE_EVENT_UNMAP', 'UFFD_FEATURE_EVENT_REMOVE', 'UFFD_FEATURE_EVENT_REMAP', 'UFFD_FEATURE_EVENT_FORK'], [['A', 0, 2]], true)],
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'w', role: 'worker', ops: [
        { op: 'madvise', area: 'A', first: 1, pages: 1, advice: 'MADV_DONTNEED' },
        { op: 'mremap', area: 'A', first: 1, pages: 1, new_pages: 1, flags: ['MREMAP_MAYMOVE', 'MREMAP_FIXED'], to: { area: 'B', first: 0 } },
        { op: 'read', area: 'B', page: 0 },
        { op: 'fork' },
        { op: 'munmap', area: 'B', first: 0, pages: 1 },
      ] },
      { name: 'm', role: 'monitor', ops: [{ op: 'serve', uffd: 'U', how: 'copy', onEAGAIN: 'retry' }] },
    ],
    expect: 'ok',
  },
  {
    name: 'close-while-unmap-pending',
    description: 'w munmaps A[0] (U has UFFD_FEATURE_EVENT_UNMAP) and waits for its UNMAP event to be read, but m closes U instead: userfaultfd_release() wakes the producer, which sees released, dequeues its event and returns; mmap_changing comes back to 0.',
    areas: anon(1), uffds: [unmapUffd('U', [[0, 1]])],
    threads: [
      { name: 'w', role: 'worker', ops: [{ op: 'munmap', area: 'A', first: 0, pages: 1 }] },
      { name: 'm', role: 'monitor', ops: [{ op: 'close', uffd: 'U' }] },
    ],
    expect: 'ok',
  },
  {
    name: 'monitor-faults-on-own-range',
    description: 'A deadlock the checker must explain: w munmaps A[1] (U has UFFD_FEATURE_EVENT_UNMAP) and waits for the UNMAP event to be read, while the only monitor thread m touches A[0], a page registered to its own uffd, before it reads: m sleeps in handle_userfault() waiting for a monitor (itself), w waits for m. Expected verdict: violation (no-deadlock).',
    areas: anon(2), uffds: [unmapUffd('U', [[0, 2]])],
    threads: [
      { name: 'w', role: 'worker', ops: [{ op: 'munmap', area: 'A', first: 1, pages: 1 }] },
      { name: 'm', role: 'monitor', ops: [{ op: 'read', area: 'A', page: 0 }, { op: 'serve', uffd: 'U', how: 'copy' }] },
    ],
    expect: 'violation',
  },
  {
    name: 'fork-vs-copy',
    description: 'Known bug #1 (df2cc96e7701): p forks (U has UFFD_FEATURE_EVENT_FORK; A[0] is missing) while m UFFDIO_COPYs A[0] and then reads the FORK event. The COPY lands before the fork copies the page tables (the child gets the page too), or gets EAGAIN while the FORK event is unread.',
    areas: anon(1), uffds: [eventUffd('U', ['UFFD_FEATURE_EVENT_FORK'], [['A', 0, 1]])],
    threads: [
      { name: 'p', role: 'worker', ops: [{ op: 'fork' }] },
      { name: 'm', role: 'monitor', ops: [{ op: 'copy', uffd: 'U', area: 'A', page: 0 }, { op: 'read_msgs', uffd: 'U', max: 1 }] },
    ],
    expect: 'ok',
  },
  {
    name: 'fork-close-before-read',
    description: 'Known bug #11 (0cbb4b4f4c44): p forks with UFFD_FEATURE_EVENT_FORK and waits for the FORK event to be read, but m closes U first: the event is aborted, and the child VMAs must lose the new ctx (pointer and VM_UFFD_* flags) before it is freed.',
    areas: anon(1), uffds: [eventUffd('U', ['UFFD_FEATURE_EVENT_FORK'], [['A', 0, 1]])],
    threads: [
      { name: 'p', role: 'worker', ops: [{ op: 'fork' }] },
      { name: 'm', role: 'monitor', ops: [{ op: 'close', uffd: 'U' }] },
    ],
    expect: 'ok',
  },
  {
    name: 'fork-fails',
    description: 'Known bug #13 (f64e67e5d3a4, CVE-2024-50220): p forks with UFFD_FEATURE_EVENT_FORK and dup_mmap() fails after duplicating the VMAs; m serves U: no FORK event may reach it, and mmap_changing must come back to 0.',
    areas: anon(1), uffds: [eventUffd('U', ['UFFD_FEATURE_EVENT_FORK'], [['A', 0, 1]])],
    threads: [
      { name: 'p', role: 'worker', ops: [{ op: 'fork', fails: true }] },
      server('m', 'U'),
    ],
    expect: 'ok',
  },
  {
    name: 'spurious-wakeup',
    description: 'Known bug #16 (15a77c6fe494): t0 faults on A[0] and sleeps; x wakes t0 from outside userfaultfd (a stale rwsem wake_q entry in the original report); m reads the fault and copies the page. A woken t0 whose page is still missing must fault again and wait, never get SIGBUS.',
    areas: anon(1), uffds: uffdU(1),
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'x', role: 'worker', ops: [{ op: 'spurious_wakeup', thread: 't0' }] },
      { name: 'm', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U', max: 1 }, { op: 'resolve', uffd: 'U', how: 'copy', onEEXIST: 'wake' }] },
    ],
    expect: 'ok',
  },
  // ---------------------------------------------------------------- minor faults, UFFDIO_CONTINUE (issue 4, seed 004)
  {
    name: 'android-gc-like',
    description: 'Android-GC-like: the heap file is mapped twice, A registered MINOR on U and B unregistered. The GC thread gc writes the page through B (filling the page cache), then serves U with UFFDIO_CONTINUE; t0 reads A[0]: after the write its fault is a minor fault (UFFD_PAGEFAULT_FLAG_MINOR), and once CONTINUE maps the page-cache page t0 sees what gc wrote (before the write it maps a fresh zero page itself).',
    areas: [{ name: 'A', pages: 1, kind: 'shmem', file: 'heap' }, { name: 'B', pages: 1, kind: 'shmem', file: 'heap' }],
    uffds: [{ name: 'U', features: ['MINOR_SHMEM'], register: [{ area: 'A', first: 0, pages: 1, modes: ['MINOR'] }] }],
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'gc', role: 'monitor', ops: [{ op: 'write', area: 'B', page: 0, value: 42 }, { op: 'serve', uffd: 'U', how: 'continue' }] },
    ],
    expect: 'ok',
  },
  {
    name: 'two-minor-faulters',
    description: 't0 and t1 minor-fault on the same cached page of a MINOR-registered shmem file (t1 writes); m serves U with UFFDIO_CONTINUE forever, ignoring EEXIST: one CONTINUE must wake both, and both see the file\'s content (t1\'s write goes to the file).',
    areas: [{ name: 'A', pages: 1, kind: 'shmem', cached: 42 }],
    uffds: [{ name: 'U', features: ['MINOR_SHMEM'], register: [{ area: 'A', first: 0, pages: 1, modes: ['MINOR'] }] }],
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 't1', role: 'worker', ops: [{ op: 'write', area: 'A', page: 0, value: 7 }] },
      { name: 'm', role: 'monitor', ops: [{ op: 'serve', uffd: 'U', how: 'continue', onEEXIST: 'nothing' }] },
    ],
    expect: 'ok',
  },
  {
    name: 'private-continue-cow',
    description: 'A MAP_PRIVATE mapping A of file F is registered MINOR; B maps F shared. gc writes B[0] = 42 and serves U with UFFDIO_CONTINUE; t0 writes A[0] and then reads B[0]. CONTINUE maps the folio read-only, so t0\'s write takes an ordinary CoW fault (no uffd fault) and never reaches the file: B[0] stays 42.',
    areas: [{ name: 'A', pages: 1, kind: 'shmem', shared: false, file: 'F' }, { name: 'B', pages: 1, kind: 'shmem', file: 'F' }],
    uffds: [{ name: 'U', features: ['MINOR_SHMEM'], register: [{ area: 'A', first: 0, pages: 1, modes: ['MINOR'] }] }],
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'write', area: 'A', page: 0, value: 9 }, { op: 'read', area: 'B', page: 0 }] },
      { name: 'gc', role: 'monitor', ops: [{ op: 'write', area: 'B', page: 0, value: 42 }, { op: 'serve', uffd: 'U', how: 'continue' }] },
    ],
    expect: 'ok',
  },
  {
    name: 'continue-vs-unmap',
    description: 't0 minor-faults on A[0] (cached; U has UFFD_FEATURE_EVENT_UNMAP) while w munmaps A[1]; m serves U (O_NONBLOCK, as CRIU does: the UNMAP event may already have been read when the CONTINUE fails) with UFFDIO_CONTINUE and, on EAGAIN (mapped = -EAGAIN while the UNMAP event is pending), reads again and retries the CONTINUE.',
    areas: [{ name: 'A', pages: 2, kind: 'shmem', cached: 42 }],
    uffds: [{ name: 'U', nonblock: true, features: ['MINOR_SHMEM', 'EVENT_UNMAP'], register: [{ area: 'A', first: 0, pages: 2, modes: ['MINOR'] }] }],
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'w', role: 'worker', ops: [{ op: 'munmap', area: 'A', first: 1, pages: 1 }] },
      { name: 'm', role: 'monitor', ops: [{ op: 'serve', uffd: 'U', how: 'continue', onEAGAIN: 'retry' }] },
    ],
    expect: 'ok',
  },
  {
    name: 'hugetlb-copy-vs-fault-same-index',
    description: 't0 reads the missing huge page H[0] of a MISSING-registered MAP_SHARED hugetlbfs file while c0 UFFDIO_COPYs H[0] without reading any message: both serialise on the fault mutex of (file, 0); the fault drops it before it sleeps in handle_userfault(), so the COPY can take it and wake t0 (known bug #10: the variant hugetlb-userfault-holding-mutex deadlocks here).',
    areas: [{ name: 'H', pages: 1, kind: 'hugetlb' }],
    uffds: [{ name: 'U', features: ['MISSING_HUGETLBFS'], register: [{ area: 'H', first: 0, pages: 1, modes: ['MISSING'] }] }],
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'H', page: 0 }] },
      { name: 'c0', role: 'monitor', ops: [{ op: 'copy', uffd: 'U', area: 'H', page: 0 }] },
    ],
    expect: 'ok',
  },
  {
    name: 'hugetlb-copy-vs-fault-colliding-index',
    description: 'hugetlb_fault_mutex_table has a single mutex, so H[0] and H[1] collide: t0 reads the missing H[0] while m UFFDIO_COPYs H[1] (a different huge page, the same mutex) and then serves U. The fault must not sleep holding the mutex the COPY of the other page needs.',
    hugetlb_fault_mutexes: 1,
    areas: [{ name: 'H', pages: 2, kind: 'hugetlb' }],
    uffds: [{ name: 'U', features: ['MISSING_HUGETLBFS'], register: [{ area: 'H', first: 0, pages: 2, modes: ['MISSING'] }] }],
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'H', page: 0 }] },
      { name: 'm', role: 'monitor', ops: [{ op: 'copy', uffd: 'U', area: 'H', page: 1 }, { op: 'serve', uffd: 'U', how: 'copy', count: 1 }] },
    ],
    expect: 'ok',
  },
  {
    name: 'hugetlb-android-gc-like',
    description: 'The Android-GC pattern on hugetlbfs: the heap file is mapped twice, A registered MINOR on U and B unregistered. gc writes the huge page through B (its own fault puts it in the page cache), then serves U with UFFDIO_CONTINUE; t0 reads A[0]: after the write its fault is a minor fault (hugetlb_no_page() finds the folio, VM_UFFD_MINOR), and once CONTINUE maps the page-cache page t0 sees 42.',
    areas: [{ name: 'A', pages: 1, kind: 'hugetlb', file: 'heap' }, { name: 'B', pages: 1, kind: 'hugetlb', file: 'heap' }],
    uffds: [{ name: 'U', features: ['MINOR_HUGETLBFS'], register: [{ area: 'A', first: 0, pages: 1, modes: ['MINOR'] }] }],
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'gc', role: 'monitor', ops: [{ op: 'write', area: 'B', page: 0, value: 42 }, { op: 'serve', uffd: 'U', how: 'continue' }] },
    ],
    expect: 'ok',
  },
  {
    name: 'hugetlb-two-minor-faulters',
    description: 't0 and t1 minor-fault on the same cached huge page of a MINOR-registered hugetlbfs file (t1 writes); m serves U with UFFDIO_CONTINUE, ignoring EEXIST: both faults take and drop the same fault mutex, one CONTINUE wakes both, and both see the file\'s content.',
    areas: [{ name: 'H', pages: 1, kind: 'hugetlb', cached: 42 }],
    uffds: [{ name: 'U', features: ['MINOR_HUGETLBFS'], register: [{ area: 'H', first: 0, pages: 1, modes: ['MINOR'] }] }],
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'H', page: 0 }] },
      { name: 't1', role: 'worker', ops: [{ op: 'write', area: 'H', page: 0, value: 7 }] },
      { name: 'm', role: 'monitor', ops: [{ op: 'serve', uffd: 'U', how: 'continue', onEEXIST: 'nothing' }] },
    ],
    expect: 'ok',
  },
  {
    name: 'hugetlb-private-continue-cow',
    description: 'A MAP_PRIVATE mapping A of hugetlbfs file F is registered MINOR; B maps F shared. gc writes B[0] = 42 and serves U with UFFDIO_CONTINUE; t0 writes A[0] and then reads B[0]. hugetlb_mfill_atomic_pte() maps the folio read-only ("!(is_continue && !vm_shared)"), so t0\'s write takes hugetlb_wp() (CoW) and never reaches the file: B[0] stays 42.',
    areas: [{ name: 'A', pages: 1, kind: 'hugetlb', shared: false, file: 'F' }, { name: 'B', pages: 1, kind: 'hugetlb', file: 'F' }],
    uffds: [{ name: 'U', features: ['MINOR_HUGETLBFS'], register: [{ area: 'A', first: 0, pages: 1, modes: ['MINOR'] }] }],
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'write', area: 'A', page: 0, value: 9 }, { op: 'read', area: 'B', page: 0 }] },
      { name: 'gc', role: 'monitor', ops: [{ op: 'write', area: 'B', page: 0, value: 42 }, { op: 'serve', uffd: 'U', how: 'continue' }] },
    ],
    expect: 'ok',
  },
  {
    name: 'hugetlb-continue-vs-unmap',
    description: 't0 minor-faults on the cached huge page H[0] (MINOR-registered on U) while w munmaps A[0], an anon page registered on the same U with UFFD_FEATURE_EVENT_UNMAP: mmap_changing is per ctx, so m\'s UFFDIO_CONTINUE of the huge page gets EAGAIN (mapped = -EAGAIN) while the UNMAP event is pending; m (O_NONBLOCK) reads again and retries.',
    areas: [{ name: 'H', pages: 1, kind: 'hugetlb', cached: 42 }, { name: 'A', pages: 1, kind: 'anon' }],
    uffds: [{ name: 'U', nonblock: true, features: ['MINOR_HUGETLBFS', 'EVENT_UNMAP'], register: [{ area: 'H', first: 0, pages: 1, modes: ['MINOR'] }, { area: 'A', first: 0, pages: 1, modes: ['MISSING'] }] }],
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'H', page: 0 }] },
      { name: 'w', role: 'worker', ops: [{ op: 'munmap', area: 'A', first: 0, pages: 1 }] },
      { name: 'm', role: 'monitor', ops: [{ op: 'serve', uffd: 'U', how: 'continue', onEAGAIN: 'retry' }] },
    ],
    expect: 'ok',
  },
];

/** The built-in scenarios, validated (a bad built-in is a bug: it throws at load). */
export const builtinScenarios: readonly Scenario[] = raw.map(parseScenario);

/** The raw JSON object of a built-in (for `uffd-mc show`). */
export function builtinScenarioJson(name: string): unknown {
  return raw.find(r => (r as { name: string }).name === name);
}

export function findScenario(name: string): Scenario | undefined {
  return builtinScenarios.find(s => s.name === name);
}
