/**
 * The race diagram of kernel commit messages: one column per thread, time
 * downward, each step as the kernel function (when it changes) and the
 * step's label, with what it did underneath. Plain text, ready to paste.
 *
 *   t0                         r                            c
 *   --                         -                            -
 *   read A[0]
 *   do_user_addr_fault()
 *     lock_mm_and_find_vma
 *                              read(U)
 *                              userfaultfd_ctx_read()
 *                                ...
 */
import type { RenderedStep, RenderedTrace } from './render.js';

/**
 * Changes worth a line in a race diagram, as a kernel commit message draws
 * one: what the racing code reads and publishes. Lock hand-offs, task-state
 * flips, the reader wait queue and "done" are implied by the labels.
 */
function notable(change: string): boolean {
  return !/\.lock (taken by|released)/.test(change) && !/ done$/.test(change) && !change.startsWith('(') &&
    !/^mmap_lock /.test(change) && !/map_changing_lock/.test(change) && !/ (RUNNING|INTERRUPTIBLE|KILLABLE|UNINTERRUPTIBLE) -> /.test(change) &&
    !/\.fd_wqh /.test(change);
}

/** Columns wider than this wrap, so three threads fit a commit message. */
const MAX_COL = 44;

function wrap(line: string): string[] {
  if (line.length <= MAX_COL) return [line];
  const indent = /^ */.exec(line)![0] + '  ';
  const out: string[] = [];
  let rest = line;
  while (rest.length > MAX_COL) {
    const cut = rest.lastIndexOf(' ', MAX_COL);
    const at = cut > indent.length ? cut : MAX_COL;
    out.push(rest.slice(0, at));
    rest = indent + rest.slice(at).trimStart();
  }
  out.push(rest);
  return out;
}

/** The lines of one step in its thread's column: the operation when it starts, the function when it changes, the label, what changed. */
function cell(r: RenderedStep, last: { op?: string | undefined; fn?: string | undefined }): string[] {
  const lines: string[] = [];
  if (r.op !== undefined && r.op !== last.op) {
    lines.push(r.op);
    last.fn = undefined;
  }
  last.op = r.op;
  if (r.fn !== 'user') {
    if (r.fn !== last.fn) lines.push(`${r.fn}()`);
    lines.push(`  ${r.label}`);
    last.fn = r.fn;
  }
  for (const c of r.changes.filter(notable)) lines.push(`    ${c}`);
  return lines.flatMap(wrap);
}

export function formatRace(t: RenderedTrace): string {
  const cols = [...t.threads];
  for (const r of t.steps) if (!cols.includes(r.thread)) cols.push(r.thread);
  const last = new Map(cols.map(c => [c, {}]));
  const rows = t.steps.map(r => ({ col: cols.indexOf(r.thread), lines: cell(r, last.get(r.thread)!) }));
  const stuck = t.stuck.map(s => ({ col: cols.indexOf(s.thread), lines: [`<${s.thread} stuck in ${s.at}: ${s.why}>`] }));
  const width = cols.map((name, i) => Math.max(name.length, ...rows.filter(x => x.col === i).flatMap(x => x.lines.map(l => l.length))) + 3);
  const at = (col: number, text: string): string => `${' '.repeat(width.slice(0, col).reduce((a, b) => a + b, 0))}${text}`.trimEnd();
  const out: string[] = [];
  out.push(cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(width[i]!))).join(''));
  out.push(cols.map((c, i) => (i === cols.length - 1 ? '-'.repeat(c.length) : '-'.repeat(c.length).padEnd(width[i]!))).join(''));
  for (const r of rows) for (const l of r.lines) out.push(at(r.col, l));
  if (stuck.length > 0) {
    out.push('');
    for (const s of stuck) out.push(at(s.col, s.lines[0]!));
  }
  const head = [`${t.scenario.name}, variant ${t.variant}${t.violation !== null ? `: ${t.violation.property} violated after step ${t.violation.step}` : ''}`, ''];
  const tail: string[] = [''];
  if (t.diverged !== null) tail.push(`DIVERGED ${t.diverged}`);
  if (t.violation !== null) tail.push(`${t.violation.property}: ${t.violation.message}`);
  else if (t.diverged === null) tail.push(`no property violated along this schedule on ${t.variant}`);
  return `${[...head, ...out, ...tail].join('\n')}\n`;
}
