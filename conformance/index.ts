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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildModel } from '../model/index.js';
import type { Op, Scenario } from '../model/scenario.js';
import { parseScenario, UFFD_FEATURES } from '../model/scenario.js';
import type { KernelState, Outcome } from '../model/state.js';
import { areaBases } from '../model/user.js';
import { findVariant } from '../model/variants.js';

export interface ConformanceCase {
  name: string;
  /** A scenario object in the format of model/scenario.ts (validated by parseScenario). */
  scenario: object;
  /** Thread names; each entry runs that thread until it blocks or exits. */
  schedule: string[];
  /** Set when the mainline model is known to disagree with the kernel on this case: what differs. */
  disagreement?: string;
}

export interface Msg {
  event: string;
  /** The area the address falls in (null: none). */
  area: string | null;
  /** Page index inside the area. */
  page: number;
  flags: number;
}

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

export class ConformanceError extends Error {
  override name = 'ConformanceError';
}

// ---------------------------------------------------------------------------
// The runner's script

const NAME = /^[A-Za-z0-9_.-]{1,39}$/;
const MODE_BITS: { readonly [m: string]: number } = { MISSING: 1, WP: 2, MINOR: 4 };

function checkName(what: string, name: string): string {
  if (!NAME.test(name)) throw new ConformanceError(`${what} name ${JSON.stringify(name)}: the runner needs [A-Za-z0-9_.-]{1,39}`);
  return name;
}

function featureMask(names: readonly string[]): string {
  let mask = 0n;
  for (const n of names) {
    const bit = UFFD_FEATURES[n];
    if (bit === undefined) throw new ConformanceError(`unknown feature ${n}`);
    mask |= 1n << BigInt(bit);
  }
  return `0x${mask.toString(16)}`;
}

function modeMask(modes: readonly string[]): string {
  return `0x${modes.reduce((m, x) => m | (MODE_BITS[x] ?? 0), 0).toString(16)}`;
}

function byte(what: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 255) throw new ConformanceError(`${what} ${v}: the kernel side fills pages with one byte, so it must be 0..255`);
  return v;
}

function opLine(sc: Scenario, op: Op, bases: readonly number[]): string {
  const globalPage = (area: string, page: number): number => bases[sc.areas.findIndex(a => a.name === area)]! + page;
  const b = (v: boolean): string => (v ? '1' : '0');
  switch (op.op) {
    case 'read': return `op read ${op.area} ${op.page}`;
    case 'write': return `op write ${op.area} ${op.page} ${byte('write value', op.value)}`;
    case 'api': return `op api ${op.uffd} ${featureMask(op.features)}`;
    case 'register': return `op register ${op.uffd} ${op.area} ${op.first} ${op.pages} ${modeMask(op.modes)}`;
    case 'unregister': return `op unregister ${op.uffd} ${op.area} ${op.first} ${op.pages}`;
    case 'wake': return `op wake ${op.uffd} ${op.area} ${op.first} ${op.pages}`;
    case 'copy': {
      // The model's default content (user.ts contentFor): 100 + the global page number.
      const content = op.content ?? 100 + globalPage(op.area, op.page);
      return `op copy ${op.uffd} ${op.area} ${op.page} ${op.pages} ${byte('copy content', content)} ${b(op.dontwake)} ${b(op.onEEXIST === 'wake')}`;
    }
    case 'zeropage': return `op zeropage ${op.uffd} ${op.area} ${op.page} ${op.pages} ${b(op.dontwake)} ${b(op.onEEXIST === 'wake')}`;
    case 'close': return `op close ${op.uffd}`;
    case 'read_msgs': return `op read_msgs ${op.uffd} ${op.max}`;
    case 'resolve': case 'serve':
      throw new ConformanceError(`operation ${op.op} is a monitor policy the runner does not implement; use read_msgs and copy/zeropage with explicit pages`);
    case 'munmap': case 'mremap': case 'madvise': throw new ConformanceError(`operation ${op.op} is not implemented by the runner yet`);
  }
}

/** The runner script (format documented at the top of conformance/runner.c) for a case. */
export function scriptFor(c: ConformanceCase): string {
  const sc = parseScenario(c.scenario);
  const bases = areaBases(sc);
  const lines: string[] = [`# conformance case ${c.name}`];
  for (const a of sc.areas) lines.push(`area ${checkName('area', a.name)} ${a.kind} ${a.pages}`);
  for (const u of sc.uffds) lines.push(`uffd ${checkName('uffd', u.name)} ${u.nonblock ? 1 : 0}`);
  // Setup in the model's order (model/index.ts setupOps): every UFFDIO_API, then every UFFDIO_REGISTER.
  for (const u of sc.uffds) if (u.api) lines.push(`setup-api ${u.name} ${featureMask(u.features)}`);
  for (const u of sc.uffds) for (const r of u.register) lines.push(`setup-register ${u.name} ${r.area} ${r.first} ${r.pages} ${modeMask(r.modes)}`);
  for (const t of sc.threads) {
    lines.push(`thread ${checkName('thread', t.name)}`);
    for (const op of t.ops) lines.push(opLine(sc, op, bases));
  }
  for (const name of c.schedule) {
    if (!sc.threads.some(t => t.name === name)) throw new ConformanceError(`schedule names thread ${name}, which ${c.name} does not have`);
    lines.push(`run ${name}`);
  }
  return `${lines.join('\n')}\n`;
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

/** Delete the folder compileRunner() made for this executable (and nothing else). */
export function removeRunner(exe: string): void {
  const dir = dirname(exe);
  if (basename(dir).startsWith(RUNNER_DIR_PREFIX) && resolve(dirname(dir)) === resolve(tmpdir())) rmSync(dir, { recursive: true, force: true });
}

function isTranscript(v: unknown): v is Transcript {
  const o = v as { entries?: unknown; final?: unknown } | null;
  return typeof o === 'object' && o !== null && Array.isArray(o.entries) && Array.isArray(o.final);
}

/** Run the case on the real kernel through the compiled runner. */
export function runOnKernel(c: ConformanceCase, runnerPath: string): Transcript {
  const script = scriptFor(c);
  const r = spawnSync(runnerPath, [], { input: script, encoding: 'utf8', timeout: 30_000 });
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
  'UFFDIO_WAKE': 'wake', 'UFFDIO_COPY': 'copy', 'UFFDIO_ZEROPAGE': 'zeropage', 'read()': 'read_msgs', 'close': 'close',
};

function msgOf(sc: Scenario, bases: readonly number[], m: { event: string; address: number; flags: number }): Msg {
  for (let i = 0; i < sc.areas.length; i++) {
    const a = sc.areas[i]!;
    const b = bases[i]!;
    if (m.address >= b && m.address < b + a.pages) return { event: m.event, area: a.name, page: m.address - b, flags: m.flags };
  }
  return { event: m.event, area: null, page: -1, flags: m.flags };
}

/**
 * Run the case on the model (the mainline variant unless told otherwise) with
 * runPlan's schedule semantics; the same transcript shape as the kernel's.
 */
export function runOnModel(c: ConformanceCase, variant = 'mainline'): Transcript {
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
    const op = o.what === 'access' ? (spec?.op ?? 'access') : (WHAT_TO_OP[o.what] ?? o.what);
    const e: Entry = { thread: th.name, index: o.op, op, ret: o.ret, value: null, out: null, msgs: null };
    if (op === 'read' || op === 'write') e.value = o.value;
    if (op === 'copy' || op === 'zeropage') e.out = o.value;
    if (op === 'api' || op === 'register') e.out = o.out;
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

/** One line per entry, for failure messages. */
export function formatTranscript(t: Transcript): string {
  const lines = t.entries.map(e => {
    const parts = [`${e.thread.padEnd(4)} ${e.index === null ? '-' : `#${e.index}`} ${e.op} -> ${e.ret}`];
    if (e.value !== null) parts.push(`value=${e.value}`);
    if (e.out !== null) parts.push(`out=${e.out}`);
    if (e.msgs !== null) parts.push(`msgs=[${e.msgs.map(x => `${x.event === 'UFFD_EVENT_PAGEFAULT' ? 'PAGEFAULT' : x.event} ${x.area ?? '?'}[${x.page}] flags=${x.flags}`).join(', ')}]`);
    return `  ${parts.join(' ')}`;
  });
  lines.push(`  final: ${t.final.map(f => `${f.thread}=${f.state}${f.index === null ? '' : `#${f.index}`}`).join(' ')}`);
  return lines.join('\n');
}
