/**
 * Rendering a schedule for people: one row per step — step number, thread,
 * kernel function, label, and what changed — then the stuck threads.
 * The "what changed" column is a diff of the two states, in kernel terms.
 */
import type { Op, Scenario } from '../model/scenario.js';
import type { Ewq, KernelState, Pte, UffdMsg, Uwq } from '../model/state.js';
import { pageName } from '../model/user.js';

export interface RenderedStep {
  step: number;
  thread: string;
  fn: string;
  label: string;
  /** Labels of the local steps folded into this one, if any ("fn():label"); other threads' local steps run after it (partial-order reduction) as "thread fn():label". */
  also: string[];
  changes: string[];
  /** The scenario operation the thread is performing (or starting, at user():next), e.g. "read A[0]", "ioctl(U, UFFDIO_COPY A[0])". */
  op?: string;
  /** Threads this step woke (their task went back to RUNNING). */
  wakes?: string[];
}

/** A replayed trace with everything the renderers (text, race, mermaid, html) show. */
export interface RenderedTrace {
  scenario: Scenario;
  /** Variant the trace was recorded on, and the one it was replayed on. */
  recordedOn: string;
  variant: string;
  tool: string;
  kernel: string;
  /** Thread names, in scenario order (one column each). */
  threads: string[];
  steps: RenderedStep[];
  /** The violation met in the replay (step: after which step), or null. */
  violation: { property: string; message: string; step: number } | null;
  /** Why the replay could not follow the trace, or null. */
  diverged: string | null;
  /** Threads that cannot move in the last state: where, and why. */
  stuck: { thread: string; at: string; why: string }[];
}

/** One operation of a scenario program, in syscall terms. */
export function opText(op: Op): string {
  const range = (o: { area: string; first: number; pages: number }): string => `${o.area}[${o.first}]${o.pages > 1 ? `..+${o.pages}` : ''}`;
  switch (op.op) {
    case 'read': return `read ${op.area}[${op.page}]`;
    case 'write': return `write ${op.area}[${op.page}] = ${op.value}`;
    case 'api': return `ioctl(${op.uffd}, UFFDIO_API)`;
    case 'register': return `ioctl(${op.uffd}, UFFDIO_REGISTER ${range(op)} ${op.modes.join('|')})`;
    case 'unregister': return `ioctl(${op.uffd}, UFFDIO_UNREGISTER ${range(op)})`;
    case 'wake': return `ioctl(${op.uffd}, UFFDIO_WAKE ${range(op)})`;
    case 'copy': return `ioctl(${op.uffd}, UFFDIO_COPY ${range({ area: op.area, first: op.page, pages: op.pages })}${op.dontwake ? ' DONTWAKE' : ''})`;
    case 'zeropage': return `ioctl(${op.uffd}, UFFDIO_ZEROPAGE ${range({ area: op.area, first: op.page, pages: op.pages })}${op.dontwake ? ' DONTWAKE' : ''})`;
    case 'continue': return `ioctl(${op.uffd}, UFFDIO_CONTINUE ${range({ area: op.area, first: op.page, pages: op.pages })}${op.dontwake ? ' DONTWAKE' : ''})`;
    case 'close': return `close(${op.uffd})`;
    case 'munmap': return `munmap(${range(op)})`;
    case 'mremap': return `mremap(${range(op)}, ${op.new_pages} pages, ${op.flags.join('|') || '0'}${op.to === null ? '' : `, ${op.to.area}[${op.to.first}]`})`;
    case 'madvise': return `madvise(${range(op)}, ${op.advice})`;
    case 'fork': return `fork()${op.fails ? ' (fails)' : ''}`;
    case 'spurious_wakeup': return `wake ${op.thread} spuriously (try_to_wake_up)`;
    case 'raw_ioctl': return `ioctl(${op.uffd}, UFFDIO_${op.cmd} ${op.area}+${op.offset} len ${op.len} mode ${op.mode})`;
    case 'read_msgs': return `read(${op.uffd})`;
    case 'resolve': return `resolve the oldest message (UFFDIO_${op.how.toUpperCase()})`;
    case 'serve': return `serve ${op.uffd}: read(), UFFDIO_${op.how.toUpperCase()}${op.count === null ? ', forever' : `, ${op.count} times`}`;
  }
}

function currentOp(sc: Scenario, s: KernelState, t: number): string | undefined {
  const th = s.threads[t];
  const op = th === undefined ? undefined : sc.threads.find(x => x.name === th.name)?.ops[th.user.pc];
  return op === undefined ? undefined : opText(op);
}

function pte(p: Pte | null): string {
  return p === null ? 'none' : `${p.content}${p.writable ? ' rw' : ' ro'}`;
}

function queue(sc: Scenario, q: readonly Uwq[], s: KernelState): string {
  return `[${q.map(u => `${s.threads[u.tid]?.name ?? u.tid}@${pageName(sc, u.msg.address)}`).join(', ')}]`;
}

function events(sc: Scenario, q: readonly Ewq[], s: KernelState): string {
  return `[${q.map(e => `${s.threads[e.tid]?.name ?? e.tid}:${message(sc, e.msg)}`).join(', ')}]`;
}

function message(sc: Scenario, m: UffdMsg): string {
  switch (m.event) {
    case 'UFFD_EVENT_PAGEFAULT': return `PAGEFAULT ${pageName(sc, m.address)}${m.flags & 1 ? ' WRITE' : ''}`;
    case 'UFFD_EVENT_UNMAP': return `UNMAP ${pageName(sc, m.start)}..${m.end - m.start}p`;
    case 'UFFD_EVENT_REMOVE': return `REMOVE ${pageName(sc, m.start)}..${m.end - m.start}p`;
    case 'UFFD_EVENT_REMAP': return `REMAP ${pageName(sc, m.from)}..${m.len}p -> ${pageName(sc, m.to)}`;
    case 'UFFD_EVENT_FORK': return `FORK (new ctx #${m.ctx})`;
  }
}

/** The differences between two successive states, as short kernel-flavoured phrases. */
export function describeChanges(sc: Scenario, a: KernelState, b: KernelState): string[] {
  const out: string[] = [];
  const name = (t: number): string => b.threads[t]?.name ?? String(t);
  const la = a.mm.mmap_lock;
  const lb = b.mm.mmap_lock;
  if (la !== lb) {
    const fmt = (l: typeof la): string =>
      `${l.writer !== null ? `W:${name(l.writer)}` : ''}${l.readers.length > 0 ? `R:${l.readers.map(name).join(',')}` : ''}${l.writer === null && l.readers.length === 0 ? 'free' : ''}` +
      (l.waiters.length > 0 ? ` queue ${l.waiters.map(w => `${name(w.tid)}(${w.write ? 'W' : 'R'})`).join(',')}` : '');
    out.push(`mmap_lock ${fmt(la)} -> ${fmt(lb)}`);
  }
  if (a.mm.hugetlb_fault_mutex !== b.mm.hugetlb_fault_mutex) {
    const fmt = (s: KernelState): string => s.mm.hugetlb_fault_mutex.map(m => `[${m.hash}]:${name(m.owner)}`).join(' ') || 'none held';
    out.push(`hugetlb_fault_mutex ${fmt(a)} -> ${fmt(b)}`);
  }
  for (let p = 0; p < b.mm.pte.length; p++) {
    if (a.mm.pte[p] !== b.mm.pte[p]) out.push(`pte ${pageName(sc, p)} ${pte(a.mm.pte[p] ?? null)} -> ${pte(b.mm.pte[p] ?? null)}`);
  }
  if (a.mm.vmas !== b.mm.vmas) {
    const fmt = (s: KernelState): string => s.mm.vmas.map(v => `${pageName(sc, v.start)}..${v.end - v.start}p${v.uffd !== null ? ` ${s.uffd[v.uffd]?.name}:${v.uffd_flags.map(f => f.replace('VM_UFFD_', '')).join('|')}` : ''}`).join(' ');
    out.push(`vmas ${fmt(a)} -> ${fmt(b)}`);
  }
  if (a.children !== b.children) {
    for (let i = a.children.length; i < b.children.length; i++) out.push(`child mm ${i} created by ${name(b.children[i]!.parent_tid)} (fork)`);
    if (b.children.length < a.children.length) out.push('a child mm torn down (fork failed)');
    const fmt = (s: KernelState): string => s.children.map(c => c.vmas.map(v => `${pageName(sc, v.start)}..${v.end - v.start}p${v.uffd !== null ? ` ${s.uffd[v.uffd]?.name}` : ''}${v.uffd_flags.length > 0 ? `:${v.uffd_flags.map(f => f.replace('VM_UFFD_', '')).join('|')}` : ''}`).join(' ')).join(' / ');
    if (a.children.length === b.children.length) out.push(`child vmas ${fmt(a)} -> ${fmt(b)}`);
  }
  for (let i = 0; i < b.uffd.length; i++) {
    const ca = a.uffd[i];
    const cb = b.uffd[i]!;
    if (ca === undefined) {
      out.push(`new ctx ${cb.name} (dup_userfaultfd)`);
      continue;
    }
    if (ca === cb) continue;
    const n = cb.name;
    if (ca.refcount !== cb.refcount && cb.refcount <= 0) out.push(`${n} freed (refcount 0)`);
    if (ca.fork_in_transit !== cb.fork_in_transit) out.push(cb.fork_in_transit === null ? `${n}: FORK event back on event_wqh (or aborted)` : `${n}: ${name(cb.fork_in_transit.tid)}'s FORK event on the reader's fork_event list`);
    if (ca.fault_pending_wqh !== cb.fault_pending_wqh) out.push(`${n}.fault_pending_wqh ${queue(sc, ca.fault_pending_wqh, a)} -> ${queue(sc, cb.fault_pending_wqh, b)}`);
    if (ca.fault_wqh !== cb.fault_wqh) out.push(`${n}.fault_wqh ${queue(sc, ca.fault_wqh, a)} -> ${queue(sc, cb.fault_wqh, b)}`);
    if (ca.refile_in_transit !== cb.refile_in_transit) out.push(cb.refile_in_transit === null ? `${n}: refile done` : `${n}: ${name(cb.refile_in_transit.tid)}'s uwq off both queues (refile)`);
    if (ca.refile_seq !== cb.refile_seq) out.push(`${n}.refile_seq ${ca.refile_seq} -> ${cb.refile_seq}`);
    if (ca.event_wqh !== cb.event_wqh) out.push(`${n}.event_wqh ${events(sc, ca.event_wqh, a)} -> ${events(sc, cb.event_wqh, b)}`);
    if (ca.fd_wqh !== cb.fd_wqh) out.push(`${n}.fd_wqh [${ca.fd_wqh.map(name).join(', ')}] -> [${cb.fd_wqh.map(name).join(', ')}]`);
    if (ca.released !== cb.released) out.push(`${n}.released = ${cb.released}`);
    if (ca.mmap_changing !== cb.mmap_changing) out.push(`${n}.mmap_changing ${ca.mmap_changing} -> ${cb.mmap_changing}`);
    if (ca.features !== cb.features) out.push(`${n}.features [${cb.features.join(' ')}]`);
    if (ca.fd_open !== cb.fd_open) out.push(cb.fd_open ? `${n} fd installed` : `${n} fd closed`);
    for (const l of ['fd_wqh', 'fault_pending_wqh', 'fault_wqh', 'event_wqh'] as const) {
      if (ca.locks[l] !== cb.locks[l]) out.push(cb.locks[l] === null ? `${n}.${l}.lock released` : `${n}.${l}.lock taken by ${name(cb.locks[l])}`);
    }
  }
  for (let t = 0; t < b.threads.length; t++) {
    const ta = a.threads[t]!;
    const tb = b.threads[t]!;
    if (ta.task !== tb.task) out.push(`${tb.name} ${ta.task} -> ${tb.task}`);
    for (const o of tb.user.outcomes.slice(ta.user.outcomes.length)) {
      const what = o.what === 'read' || o.what === 'write' ? `${o.what} ${o.page !== null ? pageName(sc, o.page) : ''}` : `${o.what}${o.page !== null ? ` ${pageName(sc, o.page)}` : ''}`;
      out.push(`${tb.name}: ${what} -> ${o.ret}${o.value !== null && o.what !== 'write' ? ` (${o.value})` : ''}${o.out !== null ? ` (${o.out})` : ''}`);
    }
    for (const m of tb.user.inbox.slice(ta.user.inbox.length)) out.push(`${tb.name} got ${message(sc, m)}`);
    if (tb.frames.length === 0 && ta.frames.length > 0) out.push(`${tb.name} done`);
  }
  return out;
}

/**
 * What a lockless read step saw, as a commit-message race diagram writes it
 * ("waitqueue_active(fault_wqh) == false"), or null for other steps.
 */
function locklessRead(before: KernelState, after: KernelState, actor: number, label: string): string | null {
  const frame = before.threads[actor]?.frames.at(-1);
  const ctx = before.uffd[(frame?.locals['ctx'] as number | undefined) ?? -1];
  const q = /^waitqueue_active\((fault_pending_wqh|fault_wqh|event_wqh|fd_wqh)\)$/.exec(label);
  if (q !== null && ctx !== undefined) {
    const queue = ctx[q[1] as 'fault_pending_wqh' | 'fault_wqh' | 'event_wqh' | 'fd_wqh'];
    return `saw ${queue.length === 0 ? 'an empty queue (false)' : 'a waiter (true)'}`;
  }
  if (label === 'must_wait') {
    const mw = after.threads[actor]?.frames.at(-1)?.locals['must_wait'];
    if (typeof mw === 'boolean') return `saw pte_none: ${mw ? 'true (will sleep)' : 'false (page already there)'}`;
  }
  return null;
}

/** Rows of a replayed schedule: actors[i] is the thread that took step i; ran[i] the labels ("fn():label") it ran. */
export function renderSteps(sc: Scenario, states: readonly KernelState[], actors: readonly string[], ran: readonly (readonly string[])[]): RenderedStep[] {
  return ran.map((labels, i) => {
    const first = labels[0] ?? '?';
    const m = /^(.*)\(\):(.*)$/.exec(first);
    const before = states[i]!;
    const after = states[i + 1]!;
    const fn = m?.[1] ?? first;
    const label = m?.[2] ?? '';
    const actor = before.threads.findIndex(th => th.name === actors[i]);
    const op = currentOp(sc, before, actor);
    const wakes = after.threads.filter((th, t) => t !== actor && th.task === 'RUNNING' && before.threads[t]?.task !== 'RUNNING').map(th => th.name);
    const seen = locklessRead(before, after, actor, label);
    return {
      step: i + 1,
      thread: actors[i] ?? '?',
      fn,
      label,
      also: labels.slice(1),
      changes: seen === null ? describeChanges(sc, before, after) : [seen, ...describeChanges(sc, before, after)],
      ...(op !== undefined ? { op } : {}),
      ...(wakes.length > 0 ? { wakes } : {}),
    };
  });
}

/**
 * RenderedStep.also as lines: "then, locally: ..." for the thread's own local
 * steps, and "then t0, locally: ..." for each run of another thread's (told
 * apart by the space after the thread name: no function or label has one).
 */
export function alsoLines(also: readonly string[]): string[] {
  const out: { who: string | null; labels: string[] }[] = [];
  for (const a of also) {
    const sp = a.indexOf(' ');
    const who = sp < 0 ? null : a.slice(0, sp);
    const label = sp < 0 ? a : a.slice(sp + 1);
    const lastRun = out[out.length - 1];
    if (lastRun !== undefined && lastRun.who === who) lastRun.labels.push(label);
    else out.push({ who, labels: [label] });
  }
  return out.map(r => `then${r.who === null ? '' : ` ${r.who}`}, locally: ${r.labels.join(' ')}`);
}

/** Fixed-width text table of the rendered steps. */
export function formatSteps(rows: readonly RenderedStep[]): string {
  const w = { thread: 6, fn: 24, label: 24 };
  for (const r of rows) {
    w.thread = Math.max(w.thread, r.thread.length);
    w.fn = Math.max(w.fn, r.fn.length + 2);
    w.label = Math.max(w.label, r.label.length);
  }
  const lines = [`${'#'.padStart(4)}  ${'thread'.padEnd(w.thread)}  ${'function'.padEnd(w.fn)}  ${'label'.padEnd(w.label)}  what changed`];
  for (const r of rows) {
    const head = `${String(r.step).padStart(4)}  ${r.thread.padEnd(w.thread)}  ${`${r.fn}()`.padEnd(w.fn)}  ${r.label.padEnd(w.label)}  `;
    const changes = r.changes.length > 0 ? r.changes : ['(no shared change)'];
    lines.push(head + changes[0]);
    const pad = ' '.repeat(head.length);
    for (const c of changes.slice(1)) lines.push(pad + c);
    for (const l of alsoLines(r.also)) lines.push(`${pad}(${l})`);
  }
  return `${lines.join('\n')}\n`;
}
