/**
 * Conformance: run one scenario with one fixed schedule on the real kernel
 * (conformance/runner.c, compiled at test time) and on the mainline model,
 * and compare the two transcripts field by field.
 *
 * A schedule is a list of thread names, as in test/model/helpers.ts runPlan():
 * each entry lets that thread run until it blocks or exits. On the kernel every
 * scenario thread is a pthread that runs only while it holds the turn; a thread
 * woken by another (COPY, WAKE, UNREGISTER, close) finishes the operation it
 * slept in and waits for its next turn, so the order of everything observable
 * is fixed by the schedule. A case must be written so that this leaves no race:
 * a woken thread's retry must not change what the running thread sees.
 *
 * The transcript (both sides): after each turn, the operations the thread
 * completed since its previous turn, in program order, then a "turn" entry
 * (ret "blocked" with the operation it sleeps in, "exited", or "timeout");
 * at the end, each thread's state ("exited", "blocked" in operation i, or
 * "runnable": woken, or never scheduled). Addresses are area + page.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildModel } from '../model/index.js';
import type { Scenario } from '../model/scenario.js';
import { parseScenario } from '../model/scenario.js';
import type { KernelState, Outcome, UffdMsg } from '../model/state.js';
import { areaBases } from '../model/user.js';
import { findVariant } from '../model/variants.js';
import type { ConformanceCase } from './script.js';
import { ConformanceError, scriptFor } from './script.js';

export type { ConformanceCase } from './script.js';
export { ConformanceError, scriptFor } from './script.js';

/** An address as an area and a page index inside it (area null, page -1: in no area). */
export interface Addr { area: string | null; page: number }

/** A message read, in the runner's key order (conformance/runner.c print_entry()). */
export type Msg =
  | { event: 'UFFD_EVENT_PAGEFAULT'; area: string | null; page: number; flags: number }
  /** start..end (exclusive: end may be the page one past its area). */
  | { event: 'UFFD_EVENT_UNMAP' | 'UFFD_EVENT_REMOVE'; start: Addr; end: Addr }
  /** len in 4 KiB pages. */
  | { event: 'UFFD_EVENT_REMAP'; from: Addr; to: Addr; len: number }
  /** ufd "fd": a new descriptor, open in the reader's process. */
  | { event: 'UFFD_EVENT_FORK'; ufd: 'fd' | null };

export interface Entry {
  thread: string;
  /** The operation's index in the thread's program (turn entries: the operation it is blocked in, else null). */
  index: number | null;
  /** Scenario operation name, or "turn". */
  op: string;
  /** "0" or an errno name; accesses "ok"/"SIGSEGV"; read_msgs the number of messages; turns "blocked"/"exited"/"timeout". */
  ret: string;
  /** Accesses: the byte read or written. */
  value: number | null;
  /** copy/zeropage: the output field (bytes or -errno); api/register: features/ioctls as hex text. */
  out: number | string | null;
  msgs: Msg[] | null;
}

export interface FinalState {
  thread: string;
  state: 'exited' | 'blocked' | 'runnable';
  index: number | null;
}

export interface Transcript {
  entries: Entry[];
  final: FinalState[];
}


// ---------------------------------------------------------------------------
// The kernel side

const RUNNER_SOURCE = fileURLToPath(new URL('../../conformance/runner.c', import.meta.url));
const RUNNER_DIR_PREFIX = 'uffd-conform-';

/**
 * Compile conformance/runner.c with the system C compiler into a fresh mkdtemp
 * folder and check that this process may use userfaultfd. Returns the
 * executable's path, or { unavailable: one-line reason } when there is no C
 * compiler (or no kernel headers) or userfaultfd is refused (EPERM, ENOSYS).
 * A compile error in runner.c itself throws.
 */
export function compileRunner(source: string = RUNNER_SOURCE): string | { unavailable: string } {
  const dir = mkdtempSync(join(tmpdir(), RUNNER_DIR_PREFIX));
  const exe = join(dir, 'uffd-conform');
  const unavailable = (reason: string): { unavailable: string } => {
    rmSync(dir, { recursive: true, force: true });
    return { unavailable: reason };
  };
  const cc = spawnSync('cc', ['-O1', '-pthread', '-o', exe, source], { encoding: 'utf8', timeout: 60_000 });
  if (cc.error !== undefined) {
    const code = (cc.error as NodeJS.ErrnoException).code;
    return unavailable(code === 'ENOENT' ? 'no C compiler: cc not found on PATH' : `cc could not run: ${cc.error.message}`);
  }
  if (cc.status !== 0) {
    const missing = /fatal error: ([^\s:]+\.h): No such file or directory/.exec(cc.stderr);
    if (missing !== null) return unavailable(`cc cannot build the runner: header ${missing[1]} not found`);
    rmSync(dir, { recursive: true, force: true });
    throw new ConformanceError(`cc failed to compile ${source} (status ${cc.status}):\n${cc.stderr}`);
  }
  const probe = spawnSync(exe, ['--probe'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error !== undefined) return unavailable(`the runner could not run: ${probe.error.message}`);
  if (probe.signal !== null) return unavailable(`the runner's userfaultfd probe was killed by ${probe.signal} (a seccomp filter?)`);
  if (probe.status !== 0) return unavailable(`userfaultfd unavailable: ${(probe.stdout.trim() || probe.stderr.trim() || `probe exit ${probe.status}`).split('\n')[0]}`);
  return exe;
}

const NR_HUGEPAGES = '/proc/sys/vm/nr_hugepages';

function freeHugePages(): number {
  const m = /^HugePages_Free:\s+([0-9]+)/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m === null ? 0 : Number(m[1]);
}

/**
 * Make `n` free 2 MiB huge pages available for hugetlb cases, raising
 * /proc/sys/vm/nr_hugepages if needed. Returns the function that puts the
 * previous value back, or { unavailable: one-line reason }.
 */
export function reserveHugePages(n: number): (() => void) | { unavailable: string } {
  let before: string;
  try {
    if (freeHugePages() >= n) return () => undefined;
    before = readFileSync(NR_HUGEPAGES, 'utf8').trim();
  } catch (e) {
    return { unavailable: `cannot read the huge page counts: ${(e as Error).message}` };
  }
  const restore = (): void => { try { writeFileSync(NR_HUGEPAGES, `${before}\n`); } catch { /* reported by the caller's next check */ } };
  try {
    writeFileSync(NR_HUGEPAGES, `${Number(before) + n}\n`);
  } catch (e) {
    return { unavailable: `cannot raise ${NR_HUGEPAGES} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  const free = freeHugePages();
  if (free < n) {
    restore();
    return { unavailable: `only ${free} of ${n} huge pages could be reserved` };
  }
  return restore;
}

/** Delete the folder compileRunner() made for this executable (and nothing else). */
export function removeRunner(exe: string): void {
  const dir = dirname(exe);
  if (basename(dir).startsWith(RUNNER_DIR_PREFIX) && resolve(dirname(dir)) === resolve(tmpdir())) rmSync(dir, { recursive: true, force: true });
}

function isTranscript(v: unknown): v is Transcript {
  const o = v as { entries?: unknown; final?: unknown } | null;
  return typeof o === 'object' && o !== null && Array.isArray(o.entries) && Array.isArray(o.final);
}

/**
 * Run the case on the real kernel through the compiled runner. A case that
 * needs huge pages gets them reserved for its run (and nr_hugepages put back
 * after); if they cannot be, a ConformanceError says why.
 */
export function runOnKernel(c: ConformanceCase, runnerPath: string): Transcript {
  const script = scriptFor(c);
  const restore = (c.hugePages ?? 0) > 0 ? reserveHugePages(c.hugePages!) : (): void => undefined;
  if (typeof restore !== 'function') throw new ConformanceError(`${c.name} needs ${c.hugePages} huge pages: ${restore.unavailable}`);
  let r;
  try {
    r = spawnSync(runnerPath, [], { input: script, encoding: 'utf8', timeout: 30_000 });
  } finally {
    restore();
  }
  if (r.error !== undefined) throw new ConformanceError(`${c.name}: the runner could not run: ${r.error.message}`);
  let parsed: unknown = null;
  try { parsed = JSON.parse(r.stdout); } catch { /* reported below */ }
  if (r.status !== 0 || !isTranscript(parsed)) {
    const err = (parsed as { error?: string } | null)?.error;
    throw new ConformanceError(`${c.name}: the runner failed (status ${r.status}, signal ${r.signal}): ${err ?? r.stdout.slice(0, 2000)}\n${r.stderr}\nscript:\n${script}`);
  }
  return parsed;
}

// ---------------------------------------------------------------------------
// The model side

const WHAT_TO_OP: { readonly [what: string]: string } = {
  'read': 'read', 'write': 'write', 'UFFDIO_API': 'api', 'UFFDIO_REGISTER': 'register', 'UFFDIO_UNREGISTER': 'unregister',
  'UFFDIO_WAKE': 'wake', 'UFFDIO_WRITEPROTECT': 'writeprotect', 'UFFDIO_COPY': 'copy', 'UFFDIO_ZEROPAGE': 'zeropage', 'UFFDIO_CONTINUE': 'continue', 'read()': 'read_msgs', 'close': 'close',
  'munmap': 'munmap', 'mremap': 'mremap', 'madvise': 'madvise', 'fork': 'fork',
};

/** The area and page of a global page number; `end` also accepts the page one past an area. */
function addrOf(sc: Scenario, bases: readonly number[], page: number, end = false): Addr {
  for (let i = 0; i < sc.areas.length; i++) {
    const a = sc.areas[i]!;
    const b = bases[i]!;
    if (page >= b && (page < b + a.pages || (end && page === b + a.pages))) return { area: a.name, page: page - b };
  }
  return { area: null, page: -1 };
}

function msgOf(sc: Scenario, bases: readonly number[], m: UffdMsg): Msg {
  switch (m.event) {
    case 'UFFD_EVENT_PAGEFAULT': return { event: m.event, ...addrOf(sc, bases, m.address), flags: m.flags };
    case 'UFFD_EVENT_UNMAP': case 'UFFD_EVENT_REMOVE': return { event: m.event, start: addrOf(sc, bases, m.start), end: addrOf(sc, bases, m.end, true) };
    case 'UFFD_EVENT_REMAP': return { event: m.event, from: addrOf(sc, bases, m.from), to: addrOf(sc, bases, m.to), len: m.len };
    case 'UFFD_EVENT_FORK': return { event: m.event, ufd: 'fd' };
  }
}

/**
 * Run the case on the model (the mainline variant unless told otherwise) with
 * runPlan's schedule semantics; the same transcript shape as the kernel's.
 */
export function runOnModel(c: ConformanceCase, variant = 'mainline'): Transcript {
  if (c.kernelOnly === true) throw new ConformanceError(`${c.name} is a kernel-only case: the model cannot run it yet`);
  const sc = parseScenario(c.scenario);
  const v = findVariant(variant);
  if (v === undefined) throw new ConformanceError(`no variant ${variant}`);
  const m = buildModel(sc, v);
  const bases = areaBases(sc);
  const emitted = sc.threads.map(() => 0);
  const inboxRead = sc.threads.map(() => 0);
  const entries: Entry[] = [];

  const entryOf = (s: KernelState, t: number, o: Outcome): Entry => {
    const th = s.threads[t]!;
    const spec = sc.threads[t]!.ops[o.op];
    // The runner names every raw ioctl "raw" (its output field as for the typed ioctl).
    const raw = spec?.op === 'raw_ioctl';
    const op = o.what === 'access' ? (spec?.op ?? 'access') : raw ? 'raw' : (WHAT_TO_OP[o.what] ?? o.what);
    const fieldOf = raw ? WHAT_TO_OP[o.what] : op;
    const e: Entry = { thread: th.name, index: o.op, op, ret: o.ret, value: null, out: null, msgs: null };
    if (op === 'read' || op === 'write') e.value = o.value;
    if (fieldOf === 'copy' || fieldOf === 'zeropage' || fieldOf === 'continue') e.out = o.value;
    if (fieldOf === 'api' || fieldOf === 'register') e.out = o.out;
    if (op === 'mremap' && o.value !== null) {
      // The runner prints the new address as "AREA[PAGE]".
      const a = addrOf(sc, bases, o.value);
      e.out = `${a.area ?? '?'}[${a.page}]`;
    }
    if (o.what === 'read()' && /^[0-9]+$/.test(o.ret)) {
      const n = Number(o.ret);
      e.msgs = th.user.inbox.slice(inboxRead[t], inboxRead[t]! + n).map(x => msgOf(sc, bases, x));
      inboxRead[t]! += n;
    }
    return e;
  };

  let s = m.init();
  for (const name of c.schedule) {
    const t = s.threads.findIndex(th => th.name === name);
    if (t < 0) throw new ConformanceError(`schedule names thread ${name}, which ${c.name} does not have`);
    let timedOut = false;
    for (let i = 0; m.actions(s).includes(t); i++) {
      if (i > 10_000) { timedOut = true; break; }
      s = m.step(s, t);
    }
    const th = s.threads[t]!;
    for (; emitted[t]! < th.user.outcomes.length; emitted[t]! += 1) entries.push(entryOf(s, t, th.user.outcomes[emitted[t]!]!));
    const exited = th.frames.length === 0;
    entries.push({
      thread: name, index: exited ? null : th.user.pc, op: 'turn',
      ret: timedOut ? 'timeout' : exited ? 'exited' : 'blocked', value: null, out: null, msgs: null,
    });
  }
  const runnable = new Set(m.actions(s));
  const final: FinalState[] = s.threads.map((th, t) => (th.frames.length === 0
    ? { thread: th.name, state: 'exited', index: null }
    : runnable.has(t) ? { thread: th.name, state: 'runnable', index: null } : { thread: th.name, state: 'blocked', index: th.user.pc }));
  return { entries, final };
}

// ---------------------------------------------------------------------------
// Comparison and display

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

function describe(e: Entry | FinalState | undefined): string {
  if (e === undefined) return '';
  return ` (${e.thread} ${'op' in e ? e.op : e.state}${e.index === null ? '' : ` #${e.index}`})`;
}

/** Field-by-field differences between two transcripts (empty if equal). */
export function compare(a: Transcript, b: Transcript, names: readonly [string, string] = ['kernel', 'model']): string[] {
  const out: string[] = [];
  const [na, nb] = names;
  const rows = <T extends object>(what: string, xs: readonly T[], ys: readonly T[], fields: readonly (keyof T & string)[]): void => {
    for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
      const x = xs[i];
      const y = ys[i];
      if (x === undefined || y === undefined) {
        out.push(`${what}[${i}]: ${na} has ${show(x)}, ${nb} has ${show(y)}`);
        continue;
      }
      for (const f of fields) {
        const vx = JSON.stringify(x[f] ?? null);
        const vy = JSON.stringify(y[f] ?? null);
        if (vx !== vy) out.push(`${what}[${i}]${describe(x as unknown as Entry)}.${f}: ${na} ${vx}, ${nb} ${vy}`);
      }
    }
  };
  rows<Entry>('entries', a.entries, b.entries, ['thread', 'index', 'op', 'ret', 'value', 'out', 'msgs']);
  rows<FinalState>('final', a.final, b.final, ['thread', 'state', 'index']);
  return out;
}

function showAddr(a: Addr): string {
  return `${a.area ?? '?'}[${a.page}]`;
}

function showMsg(m: Msg): string {
  switch (m.event) {
    case 'UFFD_EVENT_PAGEFAULT': return `PAGEFAULT ${showAddr(m)} flags=${m.flags}`;
    case 'UFFD_EVENT_UNMAP': case 'UFFD_EVENT_REMOVE': return `${m.event.slice(11)} ${showAddr(m.start)}..${showAddr(m.end)}`;
    case 'UFFD_EVENT_REMAP': return `REMAP ${showAddr(m.from)} -> ${showAddr(m.to)} len=${m.len}`;
    case 'UFFD_EVENT_FORK': return `FORK ufd=${m.ufd ?? 'none'}`;
    default: return JSON.stringify(m);
  }
}

/** One line per entry, for failure messages. */
export function formatTranscript(t: Transcript): string {
  const lines = t.entries.map(e => {
    const parts = [`${e.thread.padEnd(4)} ${e.index === null ? '-' : `#${e.index}`} ${e.op} -> ${e.ret}`];
    if (e.value !== null) parts.push(`value=${e.value}`);
    if (e.out !== null) parts.push(`out=${e.out}`);
    if (e.msgs !== null) parts.push(`msgs=[${e.msgs.map(showMsg).join(', ')}]`);
    return `  ${parts.join(' ')}`;
  });
  lines.push(`  final: ${t.final.map(f => `${f.thread}=${f.state}${f.index === null ? '' : `#${f.index}`}`).join(' ')}`);
  return lines.join('\n');
}
