/**
 * User space: each thread's program, run by a pseudo-function `user` at the
 * bottom of its stack. It performs memory accesses (the MMU reads the pte;
 * a miss enters do_user_addr_fault()), syscalls on a uffd (fdget, the ioctl
 * or read, fdput), close(), munmap(), and the monitor policies (resolve a
 * message, follow EEXIST with UFFDIO_WAKE, the `serve` loop; an event message
 * such as UNMAP is consumed and recorded without a fill).
 *
 * File references are ghost state: while a syscall is inside the kernel it
 * holds a reference, so close() from another thread only drops the fd, and
 * userfaultfd_release() runs when the last reference goes (fput -> __fput on
 * the way back to user space), in the thread that dropped it.
 */
import type { KernelFn } from './engine.js';
import { call, exitThread, goTo, last, ret, thread } from './engine.js';
import type { Scenario, Op, ResolveHow } from './scenario.js';
import { HPAGE_BYTES } from './scenario.js';
import type { RawArgs } from './uffd/ioctl.js';
import type { EventMsg, Json, KernelState, Outcome, Tid } from './state.js';
import { ctxOf, userfaultfd_is_initialized } from './uffd/ctx.js';
import { try_to_wake_up } from './kernel/sched.js';
import { PAGE_SIZE } from './uffd/ioctl.js';
import { changingPresentPte, linear_page_index, pteStable, storeToFile } from './mm/vma.js';

/** First page of each area: areas are laid out in order, one hole page between them. */
export function areaBases(sc: Scenario): number[] {
  const bases: number[] = [];
  let next = 0;
  for (const a of sc.areas) {
    bases.push(next);
    next += a.pages + 1;
  }
  return bases;
}

/** Total page-table size: every area plus its trailing hole. */
export function totalPages(sc: Scenario): number {
  return sc.areas.reduce((n, a) => n + a.pages + 1, 0);
}

/** "A[1]" for a global page number. */
export function pageName(sc: Scenario, page: number): string {
  const bases = areaBases(sc);
  for (let i = 0; i < sc.areas.length; i++) {
    const a = sc.areas[i]!;
    const b = bases[i]!;
    if (page >= b && page < b + a.pages) return `${a.name}[${page - b}]`;
  }
  return `hole@${page}`;
}

interface Syscall { fn: string; locals: { [k: string]: Json }; what: string; page: number | null }

/** resolve/serve phase after a fill got EAGAIN (onEAGAIN "retry"): read one more message (the pending event), then fill again. */
const RETRY_READ = 9;

/** Where an event message is recorded in an outcome: page and value (UNMAP/REMOVE: start and end; REMAP: from and to; FORK: the new ctx). */
function eventOutcome(m: EventMsg): { page: number | null; value: number } {
  switch (m.event) {
    case 'UFFD_EVENT_UNMAP': case 'UFFD_EVENT_REMOVE': return { page: m.start, value: m.end };
    case 'UFFD_EVENT_REMAP': return { page: m.from, value: m.to };
    case 'UFFD_EVENT_FORK': return { page: null, value: m.ctx };
  }
}

export function userProgram(sc: Scenario, programs: readonly (readonly Op[])[]): KernelFn {
  const bases = areaBases(sc);
  const base = (area: string): number => bases[sc.areas.findIndex(a => a.name === area)]!;
  const uffdIndex = (name: string): number => sc.uffds.findIndex(u => u.name === name);
  const hasClose = programs.some(ops => ops.some(op => op.op === 'close'));
  // UFFDIO_API by a scenario thread (not setup) writes ctx->features, which every syscall's
  // "-EINVAL before UFFDIO_API" check reads: then entering a syscall is a scheduling point.
  const hasApiOp = sc.threads.some(th => th.ops.some(op => op.op === 'api'));
  const opOf = (s: KernelState, t: Tid): Op | undefined => programs[t]?.[thread(s, t).user.pc];
  /** Pages of hugetlb areas (each a 2 MiB huge page): a fill there reports 2 MiB per page. Such areas never move (no mremap of hugetlb). */
  const hugetlbPage = (page: number): boolean => sc.areas.some((a, i) => a.kind === 'hugetlb' && page >= bases[i]! && page < bases[i]! + a.pages);
  /** Default content a monitor copies into a page. */
  const contentFor = (page: number, content: number | null): number => content ?? 100 + page;

  function outcome(d: KernelState, t: Tid, o: Omit<Outcome, 'op'>): void {
    const u = thread(d, t).user;
    // A polling loop (serve on an O_NONBLOCK fd, EAGAIN retries) repeats the same failed call:
    // record each distinct EAGAIN once per operation, so the loop revisits states instead of growing them.
    if (o.ret === 'EAGAIN' && u.outcomes.some(x => x.op === u.pc && x.what === o.what && x.ret === 'EAGAIN' && x.page === o.page && x.value === o.value)) return;
    u.outcomes.push({ op: u.pc, ...o });
  }

  /** Which syscall the current op (at its current phase) makes; null: nothing to do (e.g. no message to resolve). */
  function syscallFor(s: KernelState, t: Tid, op: Op): Syscall | null {
    const u = thread(s, t).user;
    switch (op.op) {
      case 'api': return { fn: 'userfaultfd_api', locals: { ctx: uffdIndex(op.uffd), features: op.features }, what: 'UFFDIO_API', page: null };
      case 'register': {
        const start = base(op.area) + op.first;
        return { fn: 'userfaultfd_register', locals: { ctx: uffdIndex(op.uffd), start, end: start + op.pages, modes: op.modes }, what: 'UFFDIO_REGISTER', page: start };
      }
      case 'unregister': {
        const start = base(op.area) + op.first;
        return { fn: 'userfaultfd_unregister', locals: { ctx: uffdIndex(op.uffd), start, end: start + op.pages, todo: [], cur: null }, what: 'UFFDIO_UNREGISTER', page: start };
      }
      case 'wake': {
        const start = base(op.area) + op.first;
        return wake(uffdIndex(op.uffd), start, op.pages);
      }
      case 'read_msgs': return read(uffdIndex(op.uffd), op.max);
      case 'copy': case 'zeropage': case 'continue': {
        const dst = base(op.area) + op.page;
        if (u.sub === 1) return wake(uffdIndex(op.uffd), dst, op.pages);
        return fill(uffdIndex(op.uffd), op.op, dst, op.pages, op.op === 'copy' ? contentFor(dst, op.content) : 0, op.dontwake);
      }
      case 'resolve': case 'serve': {
        const ctx = uffdIndex(op.uffd);
        const fillPhase = op.op === 'resolve' ? 0 : 1;
        if (u.sub < fillPhase || u.sub === RETRY_READ) return read(ctx, 1);
        const msg = u.inbox[0];
        if (msg === undefined) return null;
        if (msg.event !== 'UFFD_EVENT_PAGEFAULT') throw new Error('[model bug] an event message reached the fill phase (eventToSkip)');
        if (u.sub > fillPhase) return wake(ctx, msg.address, 1);
        return fill(ctx, op.how, msg.address, 1, op.how === 'copy' ? contentFor(msg.address, op.content) : 0, op.dontwake);
      }
      case 'raw_ioctl': return rawIoctl(op);
      case 'read': case 'write': case 'close': case 'munmap': case 'mremap': case 'madvise': case 'fork': case 'spurious_wakeup':
        throw new Error(`[model bug] ${op.op} is not a uffd syscall`);
    }
  }
  /** A raw_ioctl: the kernel function gets the bytes and mode in local `raw` (model/uffd/ioctl.ts RawArgs) and validates them first. */
  function rawIoctl(op: Extract<Op, { op: 'raw_ioctl' }>): Syscall {
    const ctx = uffdIndex(op.uffd);
    const raw = rawRange(op);
    const what = `UFFDIO_${op.cmd}`;
    switch (op.cmd) {
      case 'REGISTER': return { fn: 'userfaultfd_register', locals: { ctx, start: 0, end: 0, modes: [], raw }, what, page: null };
      case 'UNREGISTER': return { fn: 'userfaultfd_unregister', locals: { ctx, start: 0, end: 0, todo: [], cur: null, raw }, what, page: null };
      case 'WAKE': return { fn: 'userfaultfd_wake', locals: { ctx, start: 0, len: 0, raw }, what, page: null };
      case 'WRITEPROTECT': return { fn: 'userfaultfd_writeprotect', locals: { ctx, start: 0, len: 0, wp: false, dontwake: false, raw }, what, page: null };
      case 'COPY': case 'ZEROPAGE': case 'CONTINUE': {
        const f = fill(ctx, op.cmd === 'COPY' ? 'copy' : op.cmd === 'ZEROPAGE' ? 'zeropage' : 'continue', base(op.area), 0, op.cmd === 'COPY' ? op.content : 0, false);
        return { ...f, locals: { ...f.locals, raw }, page: null };
      }
    }
  }
  /**
   * A raw_ioctl's range as the kernel functions take it (model/uffd/ioctl.ts
   * RawArgs). On a hugetlb area the offset counts real bytes and every model
   * page is 2 MiB: a range validate_range() accepts becomes the huge pages it
   * touches, with whether its start or end falls inside one; any other range
   * is passed as is (validate_range() refuses it wherever it lies).
   */
  function rawRange(op: Extract<Op, { op: 'raw_ioctl' }>): RawArgs {
    const start = base(op.area) * PAGE_SIZE;
    const len = BigInt(op.len);
    const page = BigInt(PAGE_SIZE);
    const area = sc.areas.find(a => a.name === op.area)!;
    if (area.kind !== 'hugetlb' || op.offset % PAGE_SIZE !== 0 || len % page !== 0n || len === 0n || len >= 1n << 56n) {
      return { start: start + op.offset, len: op.len, mode: op.mode };
    }
    const end = op.offset + Number(len);
    const first = Math.floor(op.offset / HPAGE_BYTES);
    const last = Math.ceil(end / HPAGE_BYTES);
    return { start: start + first * PAGE_SIZE, len: `0x${((last - first) * PAGE_SIZE).toString(16)}`, mode: op.mode, huge: { head: op.offset % HPAGE_BYTES !== 0, tail: end % HPAGE_BYTES !== 0 } };
  }
  function wake(ctx: number, start: number, len: number): Syscall {
    return { fn: 'userfaultfd_wake', locals: { ctx, start, len }, what: 'UFFDIO_WAKE', page: start };
  }
  function read(ctx: number, max: number): Syscall {
    return { fn: 'userfaultfd_read_iter', locals: { ctx, max, no_wait: false, count: 0 }, what: 'read()', page: null };
  }
  function fill(ctx: number, how: ResolveHow, dst: number, len: number, content: number, dontwake: boolean): Syscall {
    const locals = { ctx, dst, len, content, dontwake, done: 0, ...(hugetlbPage(dst) ? { unit: HPAGE_BYTES } : {}) };
    return { fn: `userfaultfd_${how}`, locals, what: `UFFDIO_${how.toUpperCase()}`, page: dst };
  }

  /** resolve/serve at its fill phase with an event message (UNMAP) first in the inbox: the message to consume without a fill. */
  function eventToSkip(s: KernelState, t: Tid, op: Op): EventMsg | null {
    if (op.op !== 'resolve' && op.op !== 'serve') return null;
    const u = thread(s, t).user;
    const msg = u.inbox[0];
    if (u.sub !== (op.op === 'resolve' ? 0 : 1) || msg === undefined || msg.event === 'UFFD_EVENT_PAGEFAULT') return null;
    return msg;
  }

  /** Move to the next phase or operation after a syscall that returned `r`. */
  function advance(d: KernelState, t: Tid, op: Op, r: string): void {
    const u = thread(d, t).user;
    const done = (): void => { u.pc += 1; u.sub = 0; };
    switch (op.op) {
      case 'copy': case 'zeropage': case 'continue':
        if (u.sub === 0 && r === 'EEXIST' && op.onEEXIST === 'wake') u.sub = 1; else done();
        return;
      case 'resolve': case 'serve': {
        const fillPhase = op.op === 'resolve' ? 0 : 1;
        if (u.sub === RETRY_READ) { u.sub = fillPhase; return; }
        if (u.sub < fillPhase) { if (r !== 'EAGAIN' && r !== 'EINVAL') u.sub += 1; return; }
        if (u.sub === fillPhase && r === 'EAGAIN' && op.onEAGAIN === 'retry') { u.sub = RETRY_READ; return; }
        if (u.sub === fillPhase && r === 'EEXIST' && op.onEEXIST === 'wake') { u.sub += 1; return; }
        u.inbox.shift();
        if (op.op === 'resolve') { done(); return; }
        u.iter += 1;
        u.sub = 0;
        if (op.count !== null && u.iter >= op.count) { u.iter = 0; done(); }
        return;
      }
      default:
        done();
    }
  }

  function describeRet(rv: Json): { r: string; value: number | null; out: string | null } {
    if (typeof rv === 'number') return { r: String(rv), value: rv, out: null };
    if (typeof rv === 'string') return { r: rv, value: null, out: null };
    if (rv !== null && typeof rv === 'object' && !Array.isArray(rv)) {
      const o = rv as { ret?: Json; out?: Json };
      return { r: String(o.ret), value: typeof o.out === 'number' ? o.out : null, out: typeof o.out === 'string' ? o.out : null };
    }
    return { r: String(rv), value: null, out: null };
  }

  /** fdput(): drop the syscall's file reference; the last one runs userfaultfd_release() in this thread. */
  function fdput(d: KernelState, t: Tid, ctx: number, k: Parameters<KernelFn['steps'][string]['run']>[2]): void {
    const c = ctxOf(d, ctx);
    c.file_refs -= 1;
    if (c.file_refs === 0) call(d, t, k, 'userfaultfd_release', { ctx }, 'next');
    else goTo(d, t, 'next');
  }

  return {
    name: 'user',
    cites: 'user space (the scenario program)',
    entry: 'next',
    steps: {
      next: {
        doc: 'run the next operation: a memory access (MMU pte read; a miss faults), a uffd syscall (fdget), or close()',
        local: (s, t) => {
          const op = opOf(s, t);
          if (op === undefined) return true;
          // A read of a present pte nothing can change (model/mm/vma.ts pteStable()) commutes with every step.
          if (op.op === 'read') return pteStable(s, base(op.area) + op.page);
          if (op.op === 'write' || op.op === 'close' || op.op === 'spurious_wakeup') return false;
          if (op.op === 'munmap' || op.op === 'mremap' || op.op === 'madvise' || op.op === 'fork') return true; // entering the syscall: its first kernel step (an mmap_lock) is the shared one
          return !hasClose && !hasApiOp;
        },
        run: (d, t, k) => {
          const op = opOf(d, t);
          const u = thread(d, t).user;
          if (op === undefined) {
            ret(d, t, null); // the thread exits
            return;
          }
          if (op.op === 'read' || op.op === 'write') {
            const page = base(op.area) + op.page;
            const pte = d.mm.pte[page] ?? null;
            if (pte !== null && op.op === 'read') {
              outcome(d, t, { what: 'read', ret: 'ok', page, value: pte.content, out: null, expected: d.expect[page] ?? null });
              u.pc += 1;
            } else if (pte !== null && pte.writable && op.op === 'write') {
              const v = d.mm.vmas.find(x => x.start <= page && page < x.end);
              // A store through a pte that maps the page-cache folio changes the file: every mapping of it sees the value.
              if (pte.cache && v !== undefined) storeToFile(d, v.file, linear_page_index(v, page), op.value);
              else {
                changingPresentPte(d);
                pte.content = op.value;
              }
              d.expect[page] = op.value;
              outcome(d, t, { what: 'write', ret: 'ok', page, value: op.value, out: null, expected: op.value });
              u.pc += 1;
            } else {
              call(d, t, k, 'do_user_addr_fault', { page, write: op.op === 'write', tried: false }, 'after_fault');
            }
            return;
          }
          if (op.op === 'spurious_wakeup') {
            const target = sc.threads.findIndex(th => th.name === op.thread);
            const woke = try_to_wake_up(d, target);
            outcome(d, t, { what: 'spurious_wakeup', ret: woke ? 'woken' : 'running', page: null, value: null, out: null, expected: null });
            u.pc += 1;
            return;
          }
          if (op.op === 'munmap') {
            const start = base(op.area) + op.first;
            call(d, t, k, '__vm_munmap', { start, end: start + op.pages, done: false }, 'after_mm_syscall');
            return;
          }
          if (op.op === 'fork') {
            // copy_process() -> copy_mm() -> dup_mm() -> dup_mmap(): the part of fork() the model has.
            call(d, t, k, 'dup_mmap', { fails: op.fails, fcs: [] }, 'after_mm_syscall');
            return;
          }
          if (op.op === 'madvise') {
            const start = base(op.area) + op.first;
            call(d, t, k, 'do_madvise', { start, end: start + op.pages, advice: op.advice, cur: start, r_start: start, r_end: start, ctx: null, id: -1, f_area: -1, f_first: 0, error: 0 }, 'after_mm_syscall');
            return;
          }
          if (op.op === 'mremap') {
            const addr = base(op.area) + op.first;
            call(d, t, k, 'mremap', {
              addr, old_len: op.pages, new_len: op.new_pages, flags: op.flags,
              new_addr: op.to === null ? null : base(op.to.area) + op.to.first,
              res: null, uf: null, uf_unmap_early: [], uf_unmap: [], mmap_locked: false, notify: [],
            }, 'after_mm_syscall');
            return;
          }
          const ctx = uffdIndex(op.uffd);
          const c = ctxOf(d, ctx);
          if (!c.fd_open) {
            outcome(d, t, { what: op.op === 'close' ? 'close' : op.op, ret: 'EBADF', page: null, value: null, out: null, expected: null });
            u.pc += 1;
            u.sub = 0;
            return;
          }
          if (op.op === 'close') {
            // close(fd): drop the fd table's reference; the last reference runs the release.
            c.fd_open = false;
            outcome(d, t, { what: 'close', ret: '0', page: null, value: null, out: null, expected: null });
            u.pc += 1;
            fdput(d, t, ctx, k);
            return;
          }
          c.file_refs += 1; // fdget()
          goTo(d, t, 'syscall');
        },
      },
      syscall: {
        doc: 'userfaultfd_ioctl() dispatch (-EINVAL before UFFDIO_API) or read(2)',
        local: true,
        run: (d, t, k) => {
          const op = opOf(d, t)!;
          const f = last(thread(d, t).frames)!;
          const ev = eventToSkip(d, t, op);
          if (ev !== null) {
            // An event message: nothing to fill; record it (eventOutcome()) and consume it.
            const o = eventOutcome(ev);
            f.rv = { ret: 'skipped', out: o.value };
            f.locals['what'] = ev.event;
            f.locals['page'] = o.page;
            goTo(d, t, 'after_syscall');
            return;
          }
          const sc = syscallFor(d, t, op);
          if (sc === null) {
            f.rv = { ret: 'ENOMSG', out: null }; // nothing in the inbox to resolve
            f.locals['what'] = 'resolve';
            goTo(d, t, 'after_syscall');
            return;
          }
          f.locals['what'] = sc.what;
          f.locals['page'] = sc.page;
          if (sc.fn !== 'userfaultfd_api' && sc.fn !== 'userfaultfd_read_iter' && !userfaultfd_is_initialized(ctxOf(d, sc.locals['ctx'] as number))) {
            f.rv = { ret: 'EINVAL', out: null };
            goTo(d, t, 'after_syscall');
            return;
          }
          call(d, t, k, sc.fn, sc.locals, 'after_syscall');
        },
      },
      after_syscall: {
        doc: 'back in user space: record the result, apply the policy (EEXIST -> UFFDIO_WAKE), fdput()',
        local: () => !hasClose,
        run: (d, t, k) => {
          const op = opOf(d, t)!;
          const f = last(thread(d, t).frames)!;
          const { r, value, out } = describeRet(f.rv);
          outcome(d, t, { what: String(f.locals['what']), ret: r, page: (f.locals['page'] as number | null) ?? null, value, out, expected: null });
          delete f.locals['what'];
          delete f.locals['page'];
          f.rv = null;
          advance(d, t, op, r);
          fdput(d, t, uffdIndex((op as { uffd: string }).uffd), k);
        },
      },
      after_mm_syscall: {
        doc: 'munmap()/mremap()/madvise() returned: record the result (mremap: the new address as a page, or an errno)',
        local: true,
        run: (d, t) => {
          const op = opOf(d, t) as { op: string; area?: string; first?: number };
          const f = last(thread(d, t).frames)!;
          const r = f.rv;
          outcome(d, t, { what: op.op, ret: typeof r === 'number' ? (op.op === 'mremap' ? '0' : String(r)) : String(r), page: op.area === undefined ? null : base(op.area) + op.first!, value: op.op === 'mremap' && typeof r === 'number' ? r : null, out: null, expected: null });
          f.rv = null;
          thread(d, t).user.pc += 1;
          goTo(d, t, 'next');
        },
      },
      after_fault: {
        doc: 'the fault returned: retry the access (or the access got SIGSEGV/SIGBUS: the model ends the thread)',
        local: true,
        run: (d, t) => {
          const f = last(thread(d, t).frames)!;
          if (f.rv === 'SIGSEGV' || f.rv === 'SIGBUS') {
            const op = opOf(d, t) as { area: string; page: number };
            outcome(d, t, { what: 'access', ret: f.rv, page: base(op.area) + op.page, value: null, out: null, expected: null });
            exitThread(d, t); // the process would die; the model ends the thread
            return;
          }
          f.rv = null;
          goTo(d, t, 'next');
        },
      },
    },
  };
}
