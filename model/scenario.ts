/**
 * Scenarios: the memory layout, the userfaultfds, and the threads with their
 * programs. A scenario is plain JSON (a file) or the same object built in
 * TypeScript. `parseScenario` validates every field and reports the first
 * problem as `path.to.field: what was expected`.
 *
 * Pages are counted inside their area: { area: 'A', page: 0 } is A's first page.
 */

export type RegisterMode = 'MISSING' | 'WP' | 'MINOR';

export interface Area {
  name: string;
  pages: number;
  /**
   * anon: MAP_PRIVATE|MAP_ANONYMOUS; shmem: a mapping of a shmem file (a memfd), MAP_SHARED or MAP_PRIVATE;
   * hugetlb: a mapping of a hugetlbfs file, MAP_SHARED or MAP_PRIVATE, whose every page is one 2 MiB huge page.
   */
  kind: 'anon' | 'shmem' | 'hugetlb';
  shared: boolean;
  /**
   * shmem, hugetlb: the file mapped (default: the area's own name, a file of its own).
   * Areas naming the same file map the same page cache at offset 0 — e.g. a
   * uffd-registered mapping and a second, unregistered one to write through.
   */
  file: string;
  /** shmem, hugetlb: every page of the file starts in the page cache holding this value (a file written before the scenario); null: none cached. */
  cached: number | null;
  /** false: address space kept free at start (no VMA), e.g. for an mremap() target. */
  mapped: boolean;
}

export interface RangeRef { area: string; first: number; pages: number }

export interface UffdSpec {
  name: string;
  nonblock: boolean;
  /** UFFD_FEATURE_* names requested by UFFDIO_API (without the prefix is accepted too). */
  features: string[];
  /** Whether setup runs UFFDIO_API (almost always true). */
  api: boolean;
  /** UFFDIO_REGISTER calls done during setup, in order. */
  register: (RangeRef & { modes: RegisterMode[] })[];
}

export type OnEexist = 'nothing' | 'wake';

/** What a monitor does when its fill gets EAGAIN (an event is pending): give up on the message, or read one more message (the event) and fill again. */
export type OnEagain = 'drop' | 'retry';

/** How a monitor fills the page of a fault message: UFFDIO_COPY, UFFDIO_ZEROPAGE or UFFDIO_CONTINUE. */
export type ResolveHow = 'copy' | 'zeropage' | 'continue';
const RESOLVE_HOW: readonly ResolveHow[] = ['copy', 'zeropage', 'continue'];

export type MremapFlag = 'MREMAP_MAYMOVE' | 'MREMAP_FIXED' | 'MREMAP_DONTUNMAP';

export type Op =
  | { op: 'read'; area: string; page: number }
  | { op: 'write'; area: string; page: number; value: number }
  | { op: 'api'; uffd: string; features: string[] }
  | { op: 'register'; uffd: string; area: string; first: number; pages: number; modes: RegisterMode[] }
  | { op: 'unregister'; uffd: string; area: string; first: number; pages: number }
  | { op: 'wake'; uffd: string; area: string; first: number; pages: number }
  | { op: 'copy'; uffd: string; area: string; page: number; pages: number; content: number | null; dontwake: boolean; onEEXIST: OnEexist }
  | { op: 'zeropage'; uffd: string; area: string; page: number; pages: number; dontwake: boolean; onEEXIST: OnEexist }
  /** UFFDIO_CONTINUE of pages [page, page+pages): map the page-cache folios (MINOR-registered shmem). */
  | { op: 'continue'; uffd: string; area: string; page: number; pages: number; dontwake: boolean; onEEXIST: OnEexist }
  | { op: 'close'; uffd: string }
  /** munmap(2) of pages [first, first+pages) of one area (mm/mmap.c __vm_munmap()). */
  | { op: 'munmap'; area: string; first: number; pages: number }
  /**
   * mremap(2) of pages [first, first+pages) of one area to `new_pages` pages
   * (mm/mremap.c). `to`: where the moved mapping goes — the MREMAP_FIXED
   * address, the MREMAP_DONTUNMAP hint, or (plain MREMAP_MAYMOVE growth that
   * cannot be done in place) the place the kernel's get_unmapped_area() picks.
   */
  | { op: 'mremap'; area: string; first: number; pages: number; new_pages: number; flags: MremapFlag[]; to: { area: string; first: number } | null }
  /**
   * A wakeup of thread `thread` from a source unrelated to userfaultfd (try_to_wake_up(): e.g. a stale
   * wake_q entry of an rwsem handoff, as in known bug #16); it has no effect if the thread is running.
   */
  | { op: 'spurious_wakeup'; thread: string }
  /** fork(2): the child gets a copy of the address space (no thread runs in it); `fails`: dup_mmap() fails after duplicating every VMA. */
  | { op: 'fork'; fails: boolean }
  /** madvise(2) MADV_DONTNEED or MADV_REMOVE over pages [first, first+pages) of one area (mm/madvise.c). */
  | { op: 'madvise'; area: string; first: number; pages: number; advice: 'MADV_DONTNEED' | 'MADV_REMOVE' }
  /** read(2) on the uffd with room for `max` messages; messages go to the thread's inbox. */
  | { op: 'read_msgs'; uffd: string; max: number }
  /** Take the oldest inbox message and resolve its page with COPY (content null: the default) or ZEROPAGE; an event message (UNMAP) is consumed and recorded, nothing filled. */
  | { op: 'resolve'; uffd: string; how: ResolveHow; content: number | null; dontwake: boolean; onEEXIST: OnEexist; onEAGAIN: OnEagain }
  /** A monitor loop: `count` times (null: forever) read one message and resolve it (an event message is consumed and recorded). */
  | { op: 'serve'; uffd: string; how: ResolveHow; content: number | null; dontwake: boolean; onEEXIST: OnEexist; onEAGAIN: OnEagain; count: number | null }
  /**
   * An ioctl with raw values, as user space can pass them (the conformance
   * suite's invalid ranges and modes): the range starts `offset` bytes from
   * the area's start (may be unaligned or negative) and is `len` bytes long
   * (a u64, kept as "0x..." text); `mode` is the ioctl's mode field, `content`
   * COPY's source byte. See rawRangeProblem() for the ranges accepted.
   */
  | { op: 'raw_ioctl'; uffd: string; cmd: RawIoctlCmd; area: string; offset: number; len: string; mode: number; content: number };

/** The ioctls a raw_ioctl operation can issue. */
export type RawIoctlCmd = 'REGISTER' | 'UNREGISTER' | 'WAKE' | 'COPY' | 'ZEROPAGE' | 'CONTINUE' | 'WRITEPROTECT';
export const RAW_IOCTL_CMDS: readonly RawIoctlCmd[] = ['REGISTER', 'UNREGISTER', 'WAKE', 'COPY', 'ZEROPAGE', 'CONTINUE', 'WRITEPROTECT'];

export interface ThreadSpec {
  name: string;
  role: 'worker' | 'monitor';
  ops: Op[];
}

export interface Scenario {
  name: string;
  description: string;
  areas: Area[];
  uffds: UffdSpec[];
  threads: ThreadSpec[];
  /** The verdict the mainline kernel model must give. */
  expect: 'ok' | 'violation';
  /**
   * hugetlb: the size of the model's hugetlb_fault_mutex_table. A (file, index)
   * hashes to (file * 64 + index) mod this size, so 1 makes every huge page
   * collide; absent: one mutex per (file, index), no collisions.
   */
  hugetlb_fault_mutexes?: number;
}

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/** Known UFFD_FEATURE_* bits (include/uapi/linux/userfaultfd.h), bit numbers. */
export const UFFD_FEATURES: { readonly [name: string]: number } = {
  UFFD_FEATURE_PAGEFAULT_FLAG_WP: 0,
  UFFD_FEATURE_EVENT_FORK: 1,
  UFFD_FEATURE_EVENT_REMAP: 2,
  UFFD_FEATURE_EVENT_REMOVE: 3,
  UFFD_FEATURE_MISSING_HUGETLBFS: 4,
  UFFD_FEATURE_MISSING_SHMEM: 5,
  UFFD_FEATURE_EVENT_UNMAP: 6,
  UFFD_FEATURE_SIGBUS: 7,
  UFFD_FEATURE_THREAD_ID: 8,
  UFFD_FEATURE_MINOR_HUGETLBFS: 9,
  UFFD_FEATURE_MINOR_SHMEM: 10,
  UFFD_FEATURE_EXACT_ADDRESS: 11,
  UFFD_FEATURE_WP_HUGETLBFS_SHMEM: 12,
  UFFD_FEATURE_WP_UNPOPULATED: 13,
  UFFD_FEATURE_POISON: 14,
  UFFD_FEATURE_WP_ASYNC: 15,
  UFFD_FEATURE_MOVE: 16,
};

/** Features whose behaviour this model implements; requesting others is a scenario error, not a silent no-op. */
const MODELLED_FEATURES = new Set(['UFFD_FEATURE_MISSING_SHMEM', 'UFFD_FEATURE_THREAD_ID', 'UFFD_FEATURE_EXACT_ADDRESS', 'UFFD_FEATURE_EVENT_UNMAP', 'UFFD_FEATURE_EVENT_REMOVE', 'UFFD_FEATURE_EVENT_REMAP', 'UFFD_FEATURE_EVENT_FORK']);
/**
 * Features that v6.18 only reports or that only enable an ioctl the scenario
 * format cannot issue: no step of the model reads them from ctx->features
 * (fs/userfaultfd.c, mm/userfaultfd.c: MINOR/WP registration is gated by the
 * architecture, not by these bits), so requesting them is modelled exactly.
 */
const PROBE_ONLY_FEATURES = new Set([
  'UFFD_FEATURE_PAGEFAULT_FLAG_WP', 'UFFD_FEATURE_MISSING_HUGETLBFS', 'UFFD_FEATURE_MINOR_HUGETLBFS', 'UFFD_FEATURE_MINOR_SHMEM',
  'UFFD_FEATURE_WP_HUGETLBFS_SHMEM', 'UFFD_FEATURE_POISON', 'UFFD_FEATURE_MOVE',
]);
/** 'bit<N>': a raw feature bit; one v6.18 does not define (N >= 17) makes UFFDIO_API fail with EINVAL. */
const RAW_FEATURE_BIT = /^bit([0-9]{1,2})$/;

// ---------------------------------------------------------------------------
// Validation

type Obj = { [k: string]: unknown };

class Path {
  constructor(private readonly parts: string) {}
  key(k: string): Path { return new Path(this.parts === '' ? k : `${this.parts}.${k}`); }
  idx(i: number): Path { return new Path(`${this.parts}[${i}]`); }
  fail(expected: string, got: unknown): never {
    const json = got === undefined ? 'nothing' : JSON.stringify(got);
    const shown = json.length > 80 ? `${json.slice(0, 77)}...` : json;
    throw new ScenarioError(`${this.where()}: expected ${expected}, got ${shown}`);
  }
  unknown(allowed: readonly string[]): never {
    throw new ScenarioError(`${this.where()}: unknown field (allowed here: ${allowed.join(', ')})`);
  }
  private where(): string {
    return this.parts === '' ? '(top level)' : this.parts;
  }
  toString(): string { return this.parts; }
}

function obj(v: unknown, p: Path, allowed: readonly string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) p.fail('an object', v);
  for (const k of Object.keys(v as Obj)) {
    if (!allowed.includes(k)) p.key(k).unknown(allowed);
  }
  return v as Obj;
}
function str(o: Obj, k: string, p: Path, dflt?: string): string {
  const v = o[k];
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'string' || v === '') p.key(k).fail('a non-empty string', v);
  return v as string;
}
function int(o: Obj, k: string, p: Path, min: number, max: number, dflt?: number): number {
  const v = o[k];
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) p.key(k).fail(`an integer from ${min} to ${max}`, v);
  return v as number;
}
function bool(o: Obj, k: string, p: Path, dflt: boolean): boolean {
  const v = o[k];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') p.key(k).fail('true or false', v);
  return v as boolean;
}
function oneOf<T extends string>(o: Obj, k: string, p: Path, choices: readonly T[], dflt?: T): T {
  const v = o[k];
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) p.key(k).fail(`one of ${choices.map(c => `"${c}"`).join(', ')}`, v);
  return v as T;
}
function arr(o: Obj, k: string, p: Path, dflt?: unknown[]): unknown[] {
  const v = o[k];
  if (v === undefined && dflt !== undefined) return dflt;
  if (!Array.isArray(v)) p.key(k).fail('an array', v);
  return v as unknown[];
}
function nullableInt(o: Obj, k: string, p: Path, min: number, max: number): number | null {
  const v = o[k];
  if (v === undefined || v === null) return null;
  return int(o, k, p, min, max);
}

const MAX_PAGES = 64;
const PAGE_BYTES = 4096;
/** The largest x86-64 TASK_SIZE_MAX (5-level paging: (1 << 56) - PAGE_SIZE; 4-level is (1 << 47) - PAGE_SIZE). */
const MAX_TASK_SIZE = (1n << 56n) - 4096n;

/** A u64 given as a non-negative integer or as decimal / "0x..." text. */
function u64(o: Obj, k: string, p: Path): bigint {
  const v = o[k];
  let n: bigint | null = null;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) n = BigInt(v);
  if (typeof v === 'string' && /^(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/.test(v)) n = BigInt(v);
  if (n === null || n >= 1n << 64n) p.key(k).fail('a length in bytes from 0 to 2^64-1 (an integer, or decimal or "0x..." text)', v);
  return n as bigint;
}

/**
 * Where the model's layout sits in the address space is not modelled (pages
 * are counted from the first area), so a raw range must be one whose
 * validation does not depend on it: one that ends inside the layout (areas and
 * the hole page after each), or one validate_range() refuses wherever the
 * layout is (start or len not page-aligned, len 0, len >= TASK_SIZE with 4- or 5-level paging). A range
 * reaching past the layout would meet mappings the model does not have.
 * `start` is in bytes from the first area's start.
 */
export function rawRangeProblem(start: number, len: bigint, layoutBytes: number): string | null {
  if (start % PAGE_BYTES !== 0 || len % BigInt(PAGE_BYTES) !== 0n || len === 0n || len >= MAX_TASK_SIZE) return null;
  if (BigInt(start) + len <= BigInt(layoutBytes)) return null;
  return `a range that ends inside the scenario's layout (${layoutBytes} bytes from the first area, a hole page after each area) or a length validate_range() refuses anywhere (unaligned, 0, or at least 2^56 - 4096)`;
}

/** x86-64's default huge page size (hugetlb areas): 2 MiB. */
export const HPAGE_BYTES = 2 << 20;

/** validate_range() accepts it, wherever it is: page-aligned start and length, length neither 0 nor too large. */
function validRange(start: number, len: bigint): boolean {
  return start % PAGE_BYTES === 0 && len % BigInt(PAGE_BYTES) === 0n && len !== 0n && len < MAX_TASK_SIZE;
}

function overlaps(start: number, len: bigint, from: number, bytes: number): boolean {
  return BigInt(start) < BigInt(from + bytes) && BigInt(from) < BigInt(start) + len;
}

/**
 * A raw range on a hugetlb area (offset in real bytes from the area's start):
 * one validate_range() refuses anywhere, or one that ends inside the area.
 */
export function hugeRawRangeProblem(offset: number, len: bigint, pages: number): string | null {
  if (!validRange(offset, len)) return null;
  if (BigInt(offset) + len <= BigInt(pages * HPAGE_BYTES)) return null;
  return `a range that ends inside the hugetlb area (${pages} huge pages of ${HPAGE_BYTES} bytes) or a length validate_range() refuses anywhere`;
}

function features(list: unknown[], p: Path): string[] {
  const out = list.map((f, i) => {
    if (typeof f !== 'string') p.idx(i).fail('a UFFD_FEATURE_* name', f);
    const raw = RAW_FEATURE_BIT.exec(f as string);
    if (raw !== null && Number(raw[1]) < 64) {
      const known = Object.keys(UFFD_FEATURES).find(k => UFFD_FEATURES[k] === Number(raw[1]));
      if (known === undefined) return f as string;
      f = known;
    }
    const name = (f as string).startsWith('UFFD_FEATURE_') ? (f as string) : `UFFD_FEATURE_${f as string}`;
    if (UFFD_FEATURES[name] === undefined) p.idx(i).fail(`a UFFD_FEATURE_* name (one of ${Object.keys(UFFD_FEATURES).join(', ')}) or bit<N>`, f);
    if (!MODELLED_FEATURES.has(name) && !PROBE_ONLY_FEATURES.has(name)) {
      p.idx(i).fail(`a feature this model implements (${[...MODELLED_FEATURES, ...PROBE_ONLY_FEATURES].join(', ')}); ${name} is not modelled yet`, f);
    }
    return name;
  });
  return [...new Set(out)].sort();
}

/**
 * Register modes. An empty list (mode 0) is valid for a REGISTER operation
 * (the kernel refuses it with EINVAL), not for a setup registration.
 * WP and MINOR registration is modelled (userfaultfd_register()), WP and
 * MINOR faults are not: see noUncoveredFaults().
 */
function modes(list: unknown[], p: Path, allowNone: boolean): RegisterMode[] {
  if (list.length === 0 && !allowNone) p.fail('at least one register mode', list);
  const out = list.map((m, i) => {
    if (m !== 'MISSING' && m !== 'WP' && m !== 'MINOR') p.idx(i).fail('"MISSING", "WP" or "MINOR"', m);
    return m as RegisterMode;
  });
  return [...new Set(out)].sort();
}

/**
 * The model has the MISSING and MINOR fault paths, not the WP one: a scenario
 * that registers WP anywhere may not access memory, since an access could take
 * a WP fault (handle_userfault() with VM_UFFD_WP) the model does not have.
 */
function noUncoveredFaults(uffds: UffdSpec[], threads: ThreadSpec[], p: Path): void {
  const wp = (ms: RegisterMode[]): boolean => ms.includes('WP');
  // A raw REGISTER with the WP bit (2) may register WP too.
  const registers = uffds.some(u => u.register.some(r => wp(r.modes))) ||
    threads.some(t => t.ops.some(op => (op.op === 'register' && wp(op.modes)) || (op.op === 'raw_ioctl' && op.cmd === 'REGISTER' && (op.mode & 2) !== 0)));
  if (!registers) return;
  threads.forEach((t, i) => t.ops.forEach((op, j) => {
    if (op.op === 'read' || op.op === 'write') {
      p.key('threads').idx(i).key('ops').idx(j).fail('no memory access in a scenario that registers WP (WP faults are not modelled yet)', op.op);
    }
  }));
}

/**
 * The hugetlb VMA lock is taken for write by unmapping and truncation
 * (__hugetlb_zap_begin(), hugetlb_unshare_pmds()), which the model does not
 * have: munmap, mremap and madvise of a hugetlb area, and fork with one, are
 * refused rather than run through the anon/shmem paths.
 */
function noHugetlbMmChanges(areas: Area[], threads: ThreadSpec[], p: Path): void {
  if (!areas.some(a => a.kind === 'hugetlb')) return;
  threads.forEach((t, i) => t.ops.forEach((op, j) => {
    const huge = (name: string): boolean => areas.find(a => a.name === name)?.kind === 'hugetlb';
    const bad = op.op === 'fork' || ((op.op === 'munmap' || op.op === 'madvise') && huge(op.area)) ||
      (op.op === 'mremap' && (huge(op.area) || (op.to !== null && huge(op.to.area))));
    if (bad) p.key('threads').idx(i).key('ops').idx(j).fail('no munmap, mremap, madvise of a hugetlb area and no fork in a scenario with hugetlb areas (the hugetlb unmap paths are not modelled yet)', op.op);
  }));
}

function parseOp(v: unknown, p: Path, s: { areas: Area[]; uffds: string[] }, role: 'worker' | 'monitor'): Op {
  const base = obj(v, p, ['op', 'area', 'page', 'pages', 'first', 'value', 'uffd', 'features', 'modes', 'content', 'dontwake', 'onEEXIST', 'onEAGAIN', 'max', 'how', 'count', 'new_pages', 'flags', 'to', 'advice', 'fails', 'thread', 'cmd', 'offset', 'len', 'mode']);
  const kind = oneOf(base, 'op', p, ['read', 'write', 'api', 'register', 'unregister', 'wake', 'copy', 'zeropage', 'continue', 'close', 'read_msgs', 'resolve', 'serve', 'munmap', 'mremap', 'madvise', 'fork', 'raw_ioctl', 'spurious_wakeup'] as const);
  const allowed: { [k: string]: readonly string[] } = {
    read: ['area', 'page'], write: ['area', 'page', 'value'], api: ['uffd', 'features'],
    register: ['uffd', 'area', 'first', 'pages', 'modes'], unregister: ['uffd', 'area', 'first', 'pages'],
    wake: ['uffd', 'area', 'first', 'pages'],
    copy: ['uffd', 'area', 'page', 'pages', 'content', 'dontwake', 'onEEXIST'],
    zeropage: ['uffd', 'area', 'page', 'pages', 'dontwake', 'onEEXIST'],
    continue: ['uffd', 'area', 'page', 'pages', 'dontwake', 'onEEXIST'],
    close: ['uffd'], read_msgs: ['uffd', 'max'], munmap: ['area', 'first', 'pages'],
    mremap: ['area', 'first', 'pages', 'new_pages', 'flags', 'to'], madvise: ['area', 'first', 'pages', 'advice'], fork: ['fails'], spurious_wakeup: ['thread'],
    resolve: ['uffd', 'how', 'content', 'dontwake', 'onEEXIST', 'onEAGAIN'],
    serve: ['uffd', 'how', 'content', 'dontwake', 'onEEXIST', 'onEAGAIN', 'count'],
    raw_ioctl: ['uffd', 'cmd', 'area', 'offset', 'len', 'mode', 'content'],
  };
  obj(v, p, ['op', ...(allowed[kind] ?? [])]);
  const area = (): Area => {
    const name = str(base, 'area', p);
    const a = s.areas.find(x => x.name === name);
    if (a === undefined) p.key('area').fail(`the name of an area (${s.areas.map(x => x.name).join(', ')})`, name);
    return a as Area;
  };
  const uffd = (): string => {
    const name = str(base, 'uffd', p);
    if (!s.uffds.includes(name)) p.key('uffd').fail(`the name of a uffd (${s.uffds.join(', ') || 'none declared'})`, name);
    return name;
  };
  const page = (a: Area): number => int(base, 'page', p, 0, a.pages - 1);
  const range = (a: Area, firstKey: 'first' | 'page'): { first: number; pages: number } => {
    const first = int(base, firstKey, p, 0, a.pages - 1);
    const pages = int(base, 'pages', p, 1, a.pages - first, firstKey === 'page' ? 1 : a.pages - first);
    return { first, pages };
  };
  const onEagain = (): OnEagain => oneOf(base, 'onEAGAIN', p, ['drop', 'retry'] as const, 'drop');
  const fill = () => ({
    dontwake: bool(base, 'dontwake', p, false),
    onEEXIST: oneOf(base, 'onEEXIST', p, ['nothing', 'wake'] as const, 'nothing'),
  });
  switch (kind) {
    case 'read': { const a = area(); return { op: 'read', area: a.name, page: page(a) }; }
    case 'write': { const a = area(); return { op: 'write', area: a.name, page: page(a), value: int(base, 'value', p, 1, 1_000_000, 7) }; }
    case 'api': return { op: 'api', uffd: uffd(), features: features(arr(base, 'features', p, []), p.key('features')) };
    case 'register': { const u = uffd(); const a = area(); const r = range(a, 'first'); return { op: 'register', uffd: u, area: a.name, ...r, modes: modes(arr(base, 'modes', p, ['MISSING']), p.key('modes'), true) }; }
    case 'unregister': { const u = uffd(); const a = area(); return { op: 'unregister', uffd: u, area: a.name, ...range(a, 'first') }; }
    case 'wake': { const u = uffd(); const a = area(); return { op: 'wake', uffd: u, area: a.name, ...range(a, 'first') }; }
    case 'copy': { const u = uffd(); const a = area(); const r = range(a, 'page'); return { op: 'copy', uffd: u, area: a.name, page: r.first, pages: r.pages, content: nullableInt(base, 'content', p, 1, 1_000_000), ...fill() }; }
    case 'zeropage': { const u = uffd(); const a = area(); const r = range(a, 'page'); return { op: 'zeropage', uffd: u, area: a.name, page: r.first, pages: r.pages, ...fill() }; }
    case 'continue': { const u = uffd(); const a = area(); const r = range(a, 'page'); return { op: 'continue', uffd: u, area: a.name, page: r.first, pages: r.pages, ...fill() }; }
    case 'close': return { op: 'close', uffd: uffd() };
    // The range lies inside one area by construction (first and pages are checked against it).
    case 'munmap': { const a = area(); return { op: 'munmap', area: a.name, ...range(a, 'first') }; }
    case 'mremap': {
      const a = area();
      const r = range(a, 'first');
      const flags = arr(base, 'flags', p, []).map((f, i) => {
        if (f !== 'MREMAP_MAYMOVE' && f !== 'MREMAP_FIXED' && f !== 'MREMAP_DONTUNMAP') p.key('flags').idx(i).fail('"MREMAP_MAYMOVE", "MREMAP_FIXED" or "MREMAP_DONTUNMAP"', f);
        return f as MremapFlag;
      });
      let to: { area: string; first: number } | null = null;
      if (base['to'] !== undefined && base['to'] !== null) {
        const tp = p.key('to');
        const tobj = obj(base['to'], tp, ['area', 'first']);
        const tn = str(tobj, 'area', tp);
        const ta = s.areas.find(x => x.name === tn);
        if (ta === undefined) tp.key('area').fail(`the name of an area (${s.areas.map(x => x.name).join(', ')})`, tn);
        to = { area: tn, first: int(tobj, 'first', tp, 0, (ta as Area).pages - 1, 0) };
      }
      return { op: 'mremap', area: a.name, ...r, new_pages: int(base, 'new_pages', p, 1, MAX_PAGES, r.pages), flags: [...new Set(flags)].sort(), to };
    }
    case 'fork': return { op: 'fork', fails: bool(base, 'fails', p, false) };
    // The target's existence is checked once every thread is parsed (parseScenario()).
    case 'spurious_wakeup': return { op: 'spurious_wakeup', thread: str(base, 'thread', p) };
    case 'madvise': { const a = area(); return { op: 'madvise', area: a.name, ...range(a, 'first'), advice: oneOf(base, 'advice', p, ['MADV_DONTNEED', 'MADV_REMOVE'] as const, 'MADV_DONTNEED') }; }
    case 'read_msgs': return { op: 'read_msgs', uffd: uffd(), max: int(base, 'max', p, 1, 16, 1) };
    case 'raw_ioctl': {
      const u = uffd();
      const cmd = oneOf(base, 'cmd', p, RAW_IOCTL_CMDS);
      const a = area();
      const layoutBytes = s.areas.reduce((n, x) => n + (x.pages + 1) * PAGE_BYTES, 0);
      const areaStart = s.areas.slice(0, s.areas.indexOf(a)).reduce((n, x) => n + (x.pages + 1) * PAGE_BYTES, 0);
      const len = u64(base, 'len', p);
      if (a.kind === 'hugetlb') {
        // Offsets count real bytes inside the area, whose pages are 2 MiB (HPAGE_BYTES).
        const offset = int(base, 'offset', p, 0, a.pages * HPAGE_BYTES - PAGE_BYTES, 0);
        const problem = hugeRawRangeProblem(offset, len, a.pages);
        if (problem !== null) p.key('len').fail(problem, base['len']);
        return { op: 'raw_ioctl', uffd: u, cmd, area: a.name, offset, len: `0x${len.toString(16)}`, mode: int(base, 'mode', p, 0, 0xffffffff, 0), content: int(base, 'content', p, 0, 255, 1) };
      }
      const offset = int(base, 'offset', p, -areaStart, layoutBytes - areaStart - 1, 0);
      const problem = rawRangeProblem(areaStart + offset, len, layoutBytes);
      if (problem !== null) p.key('len').fail(problem, base['len']);
      const hugeArea = s.areas.find((x, i) => x.kind === 'hugetlb' && validRange(areaStart + offset, len) &&
        overlaps(areaStart + offset, len, s.areas.slice(0, i).reduce((n, y) => n + (y.pages + 1) * PAGE_BYTES, 0), x.pages * PAGE_BYTES));
      if (hugeArea !== undefined) p.key('len').fail(`a range that does not reach hugetlb area ${hugeArea.name} (a raw range on a hugetlb area is given on that area)`, base['len']);
      return { op: 'raw_ioctl', uffd: u, cmd, area: a.name, offset, len: `0x${len.toString(16)}`, mode: int(base, 'mode', p, 0, 0xffffffff, 0), content: int(base, 'content', p, 0, 255, 1) };
    }
    case 'resolve': return { op: 'resolve', uffd: uffd(), how: oneOf(base, 'how', p, RESOLVE_HOW, 'copy'), content: nullableInt(base, 'content', p, 1, 1_000_000), ...fill(), onEAGAIN: onEagain() };
    case 'serve': {
      if (role !== 'monitor') p.key('op').fail('an operation for a worker ("serve" is a monitor loop; set role to "monitor")', kind);
      return { op: 'serve', uffd: uffd(), how: oneOf(base, 'how', p, RESOLVE_HOW, 'copy'), content: nullableInt(base, 'content', p, 1, 1_000_000), ...fill(), onEAGAIN: onEagain(), count: nullableInt(base, 'count', p, 1, 16) };
    }
  }
}

/** Validate untrusted input (parsed JSON) into a Scenario. Throws ScenarioError. */
export function parseScenario(input: unknown): Scenario {
  const p = new Path('');
  const o = obj(input, p, ['name', 'description', 'areas', 'uffds', 'threads', 'expect', 'hugetlb_fault_mutexes']);
  const name = str(o, 'name', p);
  const description = str(o, 'description', p, '(no description)');
  const areasIn = arr(o, 'areas', p);
  if (areasIn.length === 0) p.key('areas').fail('at least one area', areasIn);
  const areas: Area[] = areasIn.map((a, i) => {
    const ap = p.key('areas').idx(i);
    const ao = obj(a, ap, ['name', 'pages', 'kind', 'shared', 'mapped', 'file', 'cached']);
    const kind = oneOf(ao, 'kind', ap, ['anon', 'shmem', 'hugetlb'] as const);
    const shared = bool(ao, 'shared', ap, kind !== 'anon');
    if (kind === 'anon' && shared) ap.key('shared').fail('false (MAP_SHARED|MAP_ANONYMOUS is shmem: use kind "shmem")', shared);
    const name = str(ao, 'name', ap);
    // (parseScenario is idempotent: an anon area's parsed form has file = its name, cached = null.)
    if (kind === 'anon' && ao['file'] !== undefined && ao['file'] !== name) ap.key('file').fail('no file for an anon area (a shmem area maps a file)', ao['file']);
    if (kind === 'anon' && ao['cached'] !== undefined && ao['cached'] !== null) ap.key('cached').fail('no cached content for an anon area (a shmem area maps a file)', ao['cached']);
    return { name, pages: int(ao, 'pages', ap, 1, MAX_PAGES), kind, shared, mapped: bool(ao, 'mapped', ap, true), file: str(ao, 'file', ap, name), cached: nullableInt(ao, 'cached', ap, 0, 1_000_000) };
  });
  areas.forEach((a, i) => {
    const first = areas.find(b => b.file === a.file && b.kind !== 'anon')!;
    if (a.kind !== 'anon' && first.kind !== a.kind) p.key('areas').idx(i).key('kind').fail(`"${first.kind}", the kind of ${first.name}, which maps the same file ${a.file}`, a.kind);
    if (a.kind !== 'anon' && first.cached !== a.cached && a.cached !== null && first.cached !== null) {
      p.key('areas').idx(i).key('cached').fail(`the same cached content as ${first.name}, which maps the same file ${a.file}`, a.cached);
    }
    if (a.kind === 'anon' && areas.some(b => b !== a && b.file === a.name)) p.key('areas').idx(i).key('name').fail('a name no shmem or hugetlb area uses as its file (anon memory has no file)', a.name);
  });
  const dupArea = areas.find((a, i) => areas.findIndex(b => b.name === a.name) !== i);
  if (dupArea) p.key('areas').fail('distinct area names', dupArea.name);

  const uffdsIn = arr(o, 'uffds', p, []);
  const uffdNames = uffdsIn.map((u, i) => str(obj(u, p.key('uffds').idx(i), ['name', 'nonblock', 'features', 'api', 'register']), 'name', p.key('uffds').idx(i)));
  const uffds: UffdSpec[] = uffdsIn.map((u, i) => {
    const up = p.key('uffds').idx(i);
    const uo = u as Obj;
    const register = arr(uo, 'register', up, []).map((r, j) => {
      const rp = up.key('register').idx(j);
      const ro = obj(r, rp, ['area', 'first', 'pages', 'modes']);
      const an = str(ro, 'area', rp);
      const a = areas.find(x => x.name === an);
      if (a === undefined) rp.key('area').fail(`the name of an area (${areas.map(x => x.name).join(', ')})`, an);
      const first = int(ro, 'first', rp, 0, (a as Area).pages - 1, 0);
      const pages = int(ro, 'pages', rp, 1, (a as Area).pages - first, (a as Area).pages - first);
      return { area: an, first, pages, modes: modes(arr(ro, 'modes', rp, ['MISSING']), rp.key('modes'), false) };
    });
    return {
      name: uffdNames[i] as string,
      nonblock: bool(uo, 'nonblock', up, false),
      features: features(arr(uo, 'features', up, []), up.key('features')),
      api: bool(uo, 'api', up, true),
      register,
    };
  });
  if (new Set(uffdNames).size !== uffdNames.length) p.key('uffds').fail('distinct uffd names', uffdNames);

  const threadsIn = arr(o, 'threads', p);
  if (threadsIn.length === 0) p.key('threads').fail('at least one thread', threadsIn);
  const threads: ThreadSpec[] = threadsIn.map((t, i) => {
    const tp = p.key('threads').idx(i);
    const to = obj(t, tp, ['name', 'role', 'ops']);
    const role = oneOf(to, 'role', tp, ['worker', 'monitor'] as const, 'worker');
    const ops = arr(to, 'ops', tp).map((op, j) => parseOp(op, tp.key('ops').idx(j), { areas, uffds: uffdNames }, role));
    return { name: str(to, 'name', tp), role, ops };
  });
  const names = threads.map(t => t.name);
  threads.forEach((th, i) => th.ops.forEach((op, j) => {
    if (op.op === 'spurious_wakeup' && !names.includes(op.thread)) p.key('threads').idx(i).key('ops').idx(j).key('thread').fail(`the name of a thread (${names.join(', ')})`, op.thread);
  }));
  const dup = names.findIndex((n, i) => names.indexOf(n) !== i);
  if (dup >= 0) p.key('threads').idx(dup).key('name').fail(`a name no other thread has`, names[dup]);
  noUncoveredFaults(uffds, threads, p);
  noHugetlbMmChanges(areas, threads, p);
  const sc: Scenario = { name, description, areas, uffds, threads, expect: oneOf(o, 'expect', p, ['ok', 'violation'] as const, 'ok') };
  if (o['hugetlb_fault_mutexes'] !== undefined) sc.hugetlb_fault_mutexes = int(o, 'hugetlb_fault_mutexes', p, 1, 1024);
  return sc;
}
