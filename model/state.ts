/**
 * The kernel state the model explores: plain, JSON-serialisable data.
 *
 * Canonical form matters: the checker hashes JSON.stringify(state), so
 *  - collections are arrays in a meaningful order (wait queues head-first,
 *    VMAs by address, page tables by page number), never Map/Set;
 *  - every object is built by one constructor below with a fixed key order;
 *  - "absent" is null, never undefined.
 *
 * Addresses are page numbers. Areas (the scenario's mappings) sit one after
 * another with a one-page hole between them, so they never merge.
 *
 * Kernel reference: v6.18 (the kernel of the machines this project runs on).
 * Configuration modelled: x86-64 without CONFIG_PER_VMA_LOCK, so page faults
 * and UFFDIO_COPY/ZEROPAGE take mmap_lock; see README "Fidelity".
 */

export type Tid = number;

/** include/linux/sched.h task states (TASK_KILLABLE = TASK_WAKEKILL|TASK_UNINTERRUPTIBLE). */
export type TaskState = 'RUNNING' | 'INTERRUPTIBLE' | 'KILLABLE' | 'UNINTERRUPTIBLE';

export type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json };

/** One kernel (or user-mode) function activation: function, step label, locals. */
export interface Frame {
  fn: string;
  at: string;
  locals: { [k: string]: Json };
  /** Value returned by the last callee (null until then). */
  rv: Json;
}

export type Role = 'worker' | 'monitor';

/** What a thread observed in user space (one entry per completed operation). */
export interface Outcome {
  op: number;          // index of the operation in the thread's program
  what: string;        // 'read' | 'write' | 'UFFDIO_COPY' | 'read()' | ...
  ret: string;         // '0', 'EEXIST', 'EAGAIN', 'SIGSEGV', a value read, ...
  page: number | null;
  value: number | null;
  /** A bitmask output field (UFFDIO_API features, UFFDIO_REGISTER ioctls), as hex text. */
  out: string | null;
  /** For accesses: what the ghost `expect` said the page should hold at that moment (null: unknown). */
  expected: number | null;
}

/** A page-fault message (struct uffd_msg with event UFFD_EVENT_PAGEFAULT, the fields we model). */
export interface PagefaultMsg {
  event: 'UFFD_EVENT_PAGEFAULT';
  address: number;      // page number (msg.arg.pagefault.address >> PAGE_SHIFT)
  flags: number;        // UFFD_PAGEFAULT_FLAG_WRITE = 1, UFFD_PAGEFAULT_FLAG_MINOR = 4 (include/uapi/linux/userfaultfd.h)
}

/**
 * An unmap event (struct uffd_msg with event UFFD_EVENT_UNMAP): msg.arg.remove.start/end,
 * in pages, the whole munmap() range [start, end).
 * `address` and `flags` are always 0: they exist only so that code written
 * for page-fault messages (conformance/index.ts msgOf()) still type-checks;
 * every consumer in model/ switches on `event` first.
 */
export interface UnmapMsg {
  event: 'UFFD_EVENT_UNMAP';
  start: number;
  end: number;
  address: 0;
  flags: 0;
}

/** UFFD_EVENT_REMOVE (madvise MADV_DONTNEED/MADV_REMOVE): msg.arg.remove.start/end in pages. */
export interface RemoveMsg {
  event: 'UFFD_EVENT_REMOVE';
  start: number;
  end: number;
  address: 0;
  flags: 0;
}

/** UFFD_EVENT_REMAP (mremap moved a range): msg.arg.remap.from/to/len in pages. */
export interface RemapMsg {
  event: 'UFFD_EVENT_REMAP';
  from: number;
  to: number;
  len: number;
  address: 0;
  flags: 0;
}

/**
 * UFFD_EVENT_FORK: msg.arg.fork.ufd. In the queue (before the read installs
 * the fd) `ctx` is the new ctx (msg.arg.reserved.reserved1); the reader's
 * copy names the new ctx as well (the model's stand-in for the fd number).
 */
export interface ForkMsg {
  event: 'UFFD_EVENT_FORK';
  ctx: number;
  address: 0;
  flags: 0;
}

/** A non-cooperative event message. */
export type EventMsg = UnmapMsg | RemoveMsg | RemapMsg | ForkMsg;

/** A uffd message as the monitor receives it: discriminated by `event`. */
export type UffdMsg = PagefaultMsg | EventMsg;

export interface UserState {
  pc: number;           // next operation
  sub: number;          // phase inside the current operation (fill, then maybe UFFDIO_WAKE; serve: read, fill, wake)
  iter: number;         // completed iterations of a 'serve' loop
  inbox: UffdMsg[];     // messages read and not yet handled (monitor)
  outcomes: Outcome[];
}

export interface Thread {
  name: string;
  role: Role;
  /** The kinds of operation in its program (constant; lets properties see what a scenario tries). */
  does: string[];  // op kinds, plus 'retry-on-eagain' when a monitor policy retries on EAGAIN
  task: TaskState;
  /** Call stack, outermost first; the bottom frame is the user-mode program. Empty when the thread has exited. */
  frames: Frame[];
  user: UserState;
}

/** mm/rwsem: owner set and FIFO wait list (kernel/locking/rwsem.c). */
export interface RwSem {
  readers: Tid[];                     // sorted
  writer: Tid | null;
  waiters: { tid: Tid; write: boolean }[];   // FIFO, first = next to be granted
}

/** anon: private anonymous; shmem: a shmem file; hugetlb: a hugetlbfs file (each model page is one 2 MiB huge page). */
export type VmaKind = 'anon' | 'shmem' | 'hugetlb';
export type UffdVmFlag = 'VM_UFFD_MISSING' | 'VM_UFFD_WP' | 'VM_UFFD_MINOR';

export interface Vma {
  start: number;        // first page
  end: number;          // one past the last page
  area: number;         // index of the scenario area
  /** shmem/hugetlb: vma->vm_file, as the index of its page cache in Mm.page_cache (the first area mapping that file); anon: the area index, unused. */
  file: number;
  pgoff: number;        // vma->vm_pgoff: page offset of `start` inside its file (its area for anon)
  kind: VmaKind;
  shared: boolean;      // VM_SHARED
  /** vma->vm_userfaultfd_ctx.ctx (index into KernelState.uffd), null if unregistered. */
  uffd: number | null;
  /** vm_flags & __VM_UFFD_FLAGS, sorted. Invariant: empty iff uffd === null. */
  uffd_flags: UffdVmFlag[];
}

/** A present page-table entry; absent entries are null (pte_none). */
export interface Pte {
  content: number;      // 0 for the zero page
  writable: boolean;
  /**
   * The pte maps the file's page-cache folio (shmem), so a store through it
   * changes the file; false for an anonymous page (anon, or a MAP_PRIVATE
   * file page after CoW: do_cow_fault()/wp_page_copy()).
   */
  cache: boolean;
}

/** struct userfaultfd_wait_queue, as queued on fault_pending_wqh / fault_wqh. */
export interface Uwq {
  tid: Tid;
  msg: PagefaultMsg;
}

/**
 * An event's struct userfaultfd_wait_queue (ewq) as queued on event_wqh: the
 * producing thread and its message. The ewq lives on the producer's stack:
 * the acknowledgement (ewq->msg.event = 0) is written to the producer's
 * userfaultfd_event_wait_completion() frame (local `msg`), and the entry
 * leaves the queue in the same locked section (userfaultfd_event_complete()).
 */
export interface Ewq {
  tid: Tid;
  msg: EventMsg;
  /** Ghost: which prep raised it (EventRecord.id), so a reader can close the record. */
  id: number;
}

/** Spinlocks of the ctx's four wait queues; value is the holder. */
export interface CtxLocks {
  fd_wqh: Tid | null;
  fault_pending_wqh: Tid | null;
  fault_wqh: Tid | null;
  event_wqh: Tid | null;
}

/** struct userfaultfd_ctx (fs/userfaultfd.c / include/linux/userfaultfd_k.h), the fields modelled. */
export interface UffdCtx {
  name: string;
  /** ctx->features; includes 'UFFD_FEATURE_INITIALIZED' once UFFDIO_API succeeded. Sorted. */
  features: string[];
  /** ctx->flags & O_NONBLOCK */
  nonblock: boolean;
  released: boolean;
  /** atomic_t ctx->mmap_changing: raised by an event's prep, lowered by the producer after the event (v5.16+ a counter). */
  mmap_changing: number;
  /** ctx->map_changing_lock (v6.9+): written around each mmap_changing increment, read by a fill from its check to its end. */
  map_changing_lock: RwSem;
  refile_seq: number;
  /** Head first: __add_wait_queue inserts at index 0; find_userfault_in takes the last. */
  fault_pending_wqh: Uwq[];
  fault_wqh: Uwq[];
  /** The uwq a reader has list_del'ed from fault_pending_wqh and not yet added to fault_wqh. */
  refile_in_transit: Uwq | null;
  /**
   * A FORK ewq a reader has list_move'd from event_wqh to its on-stack
   * fork_event list while it installs the new fd (userfaultfd_ctx_read());
   * the producer may still __remove_wait_queue() it from there (release).
   */
  fork_in_transit: Ewq | null;
  /** Head first: __add_wait_queue inserts at index 0; find_userfault_evt takes the last. */
  event_wqh: Ewq[];
  fd_wqh: Tid[];
  locks: CtxLocks;
  /** Ghost: ctx->refcount. */
  refcount: number;
  /** Ghost: struct file references (fd table + syscalls in progress); release runs when it drops to 0. */
  file_refs: number;
  fd_open: boolean;
}

export interface Mm {
  vmas: Vma[];
  /** Page tables, one entry per page number. */
  pte: (Pte | null)[];
  mmap_lock: RwSem;
  /**
   * shmem page cache per file, indexed by Vma.file (null entries: no folio);
   * [] for anon areas and for areas that map another area's file.
   */
  page_cache: (number | null)[][];
  /**
   * hugetlb: the size of hugetlb_fault_mutex_table (num_fault_mutexes), 0 for
   * "one mutex per (file, index)": the scenario's hugetlb_fault_mutexes.
   */
  hugetlb_fault_mutexes: number;
  /** hugetlb_fault_mutex_table: the mutexes held, by hash (sorted), and their owners. Empty without hugetlb. */
  hugetlb_fault_mutex: { hash: number; owner: Tid }[];
}

/**
 * A child process's mm after fork(): its VMAs and page tables. No thread of
 * the scenario runs in it; it exists so that dup_mmap() and the FORK event
 * have something to copy into and to check. (Its shmem pages are the parent's
 * page cache: the file is shared.)
 */
export interface ChildMm {
  /** The forking thread. */
  parent_tid: Tid;
  vmas: Vma[];
  pte: (Pte | null)[];
}

export interface KernelState {
  mm: Mm;
  /** Child mms created by fork(), in creation order (a failed fork's child is removed). */
  children: ChildMm[];
  uffd: UffdCtx[];
  threads: Thread[];
  /**
   * Ghost: the value user space should see in each page, set by whoever last
   * stored it (a monitor's COPY/ZEROPAGE, a thread's write); null if nobody did.
   */
  expect: (number | null)[];
  /**
   * Ghost: one record per munmap() that reached its locked section, in the
   * order they did. Written from the VMAs as they were when the range was
   * gathered (before any userfaultfd_unmap_prep()), so it does not depend on
   * the prep logic it checks; `got` is appended by the reader that dequeues
   * one of this munmap's UNMAP events. Empty in scenarios without munmap.
   */
  unmaps: UnmapRecord[];
  /** Ghost: every non-cooperative event prepped (mmap_changing raised) and not yet completed or cancelled. */
  events: EventRecord[];
  /** Ghost: the next EventRecord id. */
  next_event: number;
  /**
   * Ghost: fills that installed a page while an event of their ctx was in
   * flight — what was in flight at the install and at the fill's last
   * mmap_changing check (property no-fill-during-event). Empty otherwise.
   */
  fills_in_event: FillInEvent[];
  /**
   * Ghost monitor view, per ctx: the pages (sorted) the monitor knows to be
   * present — set by a successful fill (and at REGISTER for pages already
   * present), cleared by a REMOVE/UNMAP read, moved by a REMAP read, cloned
   * into the child's ctx by a FORK read (property monitor-view-consistent).
   */
  view: number[][];
  /**
   * Ghost: REMOVE ranges the monitor has read whose madvise() has not yet
   * zapped them. A fill landing there in that window is not added to the
   * view: the kernel lets it in (mmap_changing is already lowered) and the
   * zap discards it, as the monitor was told.
   */
  removing: { ctx: number; start: number; end: number; tid: Tid }[];
  /** Ghost: one record per fork() that reached dup_mmap(): did it succeed, and which FORK events (ctx) were read. */
  forks: ForkRecord[];
}

export interface ForkRecord {
  tid: Tid;
  /** null while dup_mmap() runs; then whether the fork succeeded. */
  ok: boolean | null;
  /** Ghost event ids (EventRecord.id) of the FORK events prepped by this fork. */
  ids: number[];
  /** The child's new ctxs (one per parent ctx with UFFD_FEATURE_EVENT_FORK). */
  new_ctxs: number[];
  /** The parent ctx of every FORK message of this fork a reader dequeued. */
  got: number[];
}

export type EventKind = 'UNMAP' | 'REMOVE' | 'REMAP' | 'FORK';

/** Ghost record of one event from its prep (mmap_changing++) to its completion or cancellation (mmap_changing--). */
export interface EventRecord {
  id: number;
  kind: EventKind;
  ctx: number;
  tid: Tid;
}

export interface FillInEvent {
  tid: Tid;
  ctx: number;
  page: number;
  /** Events of the ctx in flight at the install: id and kind. */
  at_install: { id: number; kind: EventKind }[];
  /** Ids of events of the ctx in flight when the fill last checked mmap_changing. */
  at_check: number[];
}

/** Ghost record of one do_vmi_munmap() — munmap(), or mremap()'s unmap of its target or source (property unmap-event-exactly-once). */
export interface UnmapRecord {
  tid: Tid;
  start: number;
  end: number;
  /** The distinct ctxs (sorted) of the VMAs in [start, end) that have UFFD_FEATURE_EVENT_UNMAP. */
  expect: number[];
  /** Every UNMAP message of this munmap a reader dequeued: its ctx and range, in order. */
  got: { ctx: number; start: number; end: number }[];
  /** Ghost event ids (EventRecord.id) of the UNMAP entries prepped for this range. */
  ids: number[];
  /** userfaultfd_unmap_complete() has delivered this range's list. */
  done: boolean;
}

export const PAGEFAULT_FLAG_WRITE = 1;
/** UFFD_PAGEFAULT_FLAG_MINOR (include/uapi/linux/userfaultfd.h): the fault is a minor fault (handle_userfault(vmf, VM_UFFD_MINOR)). */
export const PAGEFAULT_FLAG_MINOR = 4;

/**
 * No thread of `s` has any of `ops` among its operations (Thread.does). The
 * threads and their programs are the scenario's, the same in every state, so
 * this is a fact of the scenario; the scenario-dependent local steps use it.
 */
export function noThreadDoes(s: KernelState, ops: readonly string[]): boolean {
  for (const th of s.threads) {
    for (const op of th.does) if (ops.includes(op)) return false;
  }
  return true;
}

export function newFrame(fn: string, at: string, locals: { [k: string]: Json } = {}): Frame {
  return { fn, at, locals, rv: null };
}

export function newRwSem(): RwSem {
  return { readers: [], writer: null, waiters: [] };
}

/** A fresh struct userfaultfd_ctx (userfaultfd_syscall() / new_userfaultfd(), or dup_userfaultfd() for a fork's child). */
export function newCtx(name: string, nonblock: boolean): UffdCtx {
  return {
    name, features: [], nonblock, released: false, mmap_changing: 0, map_changing_lock: newRwSem(), refile_seq: 0,
    fault_pending_wqh: [], fault_wqh: [], refile_in_transit: null, fork_in_transit: null, event_wqh: [], fd_wqh: [],
    locks: { fd_wqh: null, fault_pending_wqh: null, fault_wqh: null, event_wqh: null },
    refcount: 1, file_refs: 1, fd_open: true,
  };
}
