/**
 * The uffd ioctls in scope — fs/userfaultfd.c @ v6.18: userfaultfd_api(),
 * userfaultfd_register(), userfaultfd_unregister(), userfaultfd_wake(),
 * userfaultfd_copy(), userfaultfd_zeropage(), userfaultfd_continue(). The dispatcher
 * (userfaultfd_ioctl(): -EINVAL before UFFDIO_API) is in model/user.ts.
 *
 * Each returns { ret: '0' | errno name, out: the ioctl's output field }.
 * Output fields use the kernel's units: bytes (PAGE_SIZE = 4096) or -errno.
 * Validation of user-supplied ranges and modes is local work folded into each
 * function's first step. Typed scenario operations only express page-aligned,
 * in-area ranges and valid modes; a `raw_ioctl` operation passes the bytes and
 * the mode field as user space would (local `raw`, see RawArgs), and the first
 * step validates them as the kernel does (validate_range(), the mode checks)
 * before converting them to pages.
 */
import type { KernelFn } from '../engine.js';
import { call, goTo, last, local, ret, setLocal, thread, top } from '../engine.js';
import type { KernelState, Tid } from '../state.js';
import type { Json, UffdVmFlag } from '../state.js';
import { mmapLockSteps, mmap_read_unlock, mmap_write_unlock, rwsemSteps, up_read } from '../kernel/rwsem.js';
import { setUffd, vmasIn } from '../mm/vma.js';
import { ctxArg, ctxOf } from './ctx.js';
import { eventsInFlight, viewAdd } from './event.js';
import type { FillMode } from '../mm/mfill.js';

export const PAGE_SIZE = 4096;

export const ERRNO: { readonly [name: string]: number } = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EFAULT: 14, EBUSY: 16, EEXIST: 17, EINVAL: 22,
};

/** UFFD_API_FEATURES as UFFDIO_API reports them on x86-64 v6.18 (measured on the machine: bits 0..16). */
export const UFFD_API_FEATURES = '0x1ffff';
/** UFFD_API_IOCTLS: REGISTER, UNREGISTER, API. */
export const UFFD_API_IOCTLS = '0x8000000000000003';
/** UFFD_API_RANGE_IOCTLS: WAKE, COPY, ZEROPAGE, MOVE, WRITEPROTECT, CONTINUE, POISON (bits 2..8). */
const UFFD_API_RANGE_IOCTLS = 0x1fc;
/** UFFD_API_RANGE_IOCTLS_BASIC (a range with hugetlb VMAs): WAKE, COPY, WRITEPROTECT, CONTINUE, POISON — no ZEROPAGE, no MOVE. */
const UFFD_API_RANGE_IOCTLS_BASIC = 0x1cc;
const _UFFDIO_WRITEPROTECT = 6;
const _UFFDIO_CONTINUE = 7;

function result(r: string, out: Json): Json {
  return { ret: r, out };
}

// ---------------------------------------------------------------------------
// Raw arguments and their validation

/**
 * A raw_ioctl's arguments (local `raw`; absent for typed operations): `start`
 * in bytes from the model's page 0 (may be unaligned), `len` a u64 as "0x..."
 * text, `mode` the ioctl's mode field.
 */
export type RawArgs = {
  start: number; len: string; mode: number;
  /**
   * Only for a range on a hugetlb area (model/user.ts rawIoctl()): `start` and
   * `len` then cover the huge pages the real range touches, and head/tail say
   * whether its real start/end fall inside a huge page (hugetlb alignment checks).
   */
  huge?: { head: boolean; tail: boolean };
};

/** A raw range on hugetlb whose start (head) or end (tail) falls inside a huge page. */
function hugeMisaligned(raw: RawArgs | null, which: 'head' | 'tail'): boolean {
  return raw?.huge?.[which] ?? false;
}

/** x86-64 TASK_SIZE_MAX with 4-level paging: (1 << 47) - PAGE_SIZE (arch/x86/include/asm/page_64_types.h). */
const TASK_SIZE = (1n << 47n) - BigInt(PAGE_SIZE);
/**
 * Where the model's page 0 sits in the address space: a notional mmap address.
 * Not modelled: model/scenario.ts rawRangeProblem() only admits ranges whose
 * validation does not depend on it.
 */
const LAYOUT_BASE = 0x7f0000000000n;
const U64_MOD = 1n << 64n;

/** The frame's raw arguments, or null for a typed operation. */
function rawArgs(s: KernelState, t: Tid): RawArgs | null {
  return (top(s, t).locals['raw'] as RawArgs | undefined) ?? null;
}

/**
 * validate_range() (fs/userfaultfd.c): start page-aligned, then
 * validate_unaligned_range(): len page-aligned, len != 0, start < task_size,
 * len <= task_size - start, start + len does not wrap. (A `start <
 * mmap_min_addr` check some versions have cannot fire: start is in the layout.)
 * Returns the range in pages, or null for -EINVAL.
 */
export function validate_range(r: RawArgs): { start: number; pages: number } | null {
  const page = BigInt(PAGE_SIZE);
  const start = LAYOUT_BASE + BigInt(r.start);
  const len = BigInt(r.len);
  if (start % page !== 0n || len % page !== 0n || len === 0n) return null;
  if (start >= TASK_SIZE || len > TASK_SIZE - start) return null;
  if ((start + len) % U64_MOD <= start) return null;
  return { start: r.start / PAGE_SIZE, pages: Number(len / page) };
}

/**
 * A raw range's validate_range() into the frame's page locals: `startKey` and
 * `endKey` ('end': exclusive end page; 'len': pages). True for a typed
 * operation (nothing to validate) or a valid range; false: -EINVAL.
 */
function rawToPages(d: KernelState, t: Tid, startKey: string, endKey: 'end' | 'len'): boolean {
  const raw = rawArgs(d, t);
  if (raw === null) return true;
  const range = validate_range(raw);
  if (range === null) return false;
  setLocal(d, t, startKey, range.start);
  setLocal(d, t, endKey, endKey === 'end' ? range.start + range.pages : range.pages);
  return true;
}

/** include/uapi/linux/userfaultfd.h mode bits. */
export const UFFDIO_REGISTER_MODE = { MISSING: 1, WP: 2, MINOR: 4 } as const;
const UFFD_API_REGISTER_MODES = 7;
const MODE_DONTWAKE = 1; // UFFDIO_COPY_MODE_DONTWAKE, UFFDIO_ZEROPAGE_MODE_DONTWAKE
const UFFDIO_COPY_MODE_WP = 2;


/**
 * Locals: ctx, features (requested names; 'bit<N>' for a bit v6.18 does not
 * define, see model/scenario.ts). The EVENT_FORK capability check (-EPERM
 * without CAP_SYS_PTRACE) is not modelled: the conformance runner is root.
 */
export const userfaultfd_api: KernelFn = {
  name: 'userfaultfd_api',
  cites: 'fs/userfaultfd.c: userfaultfd_api()',
  entry: 'cmpxchg(ctx->features)',
  steps: {
    'cmpxchg(ctx->features)': {
      doc: 'features & ~supported: -EINVAL (struct zeroed, ctx untouched); copy_to_user(supported features, UFFD_API_IOCTLS); cmpxchg(&ctx->features, 0, features | UFFD_FEATURE_INITIALIZED): -EINVAL (struct zeroed) if it was already set',
      run: (d, t) => {
        const c = ctxOf(d, ctxArg(d, t));
        const unknown = local<string[]>(d, t, 'features').some(f => !f.startsWith('UFFD_FEATURE_'));
        if (unknown || c.features.length > 0) {
          ret(d, t, result('EINVAL', '0x0'));
          return;
        }
        c.features = [...local<string[]>(d, t, 'features'), 'UFFD_FEATURE_INITIALIZED'].sort();
        ret(d, t, result('0', UFFD_API_FEATURES));
      },
    },
  },
};

const MODE_FLAG: { readonly [m: string]: UffdVmFlag } = { MISSING: 'VM_UFFD_MISSING', WP: 'VM_UFFD_WP', MINOR: 'VM_UFFD_MINOR' };

/**
 * Locals: ctx, start, end (pages), modes; raw (RawArgs) for a raw_ioctl. x86-64: pgtable_supports_uffd_wp()
 * and CONFIG_HAVE_ARCH_USERFAULTFD_MINOR hold, and uffd-wp PTE markers are
 * configured (CONFIG_PTE_MARKER_UFFD_WP), so vma_can_userfault() (a static
 * inline in include/linux/userfaultfd_k.h) accepts MISSING and WP on anon,
 * shmem and hugetlb and MINOR on shmem and hugetlb only; VM_DROPPABLE and
 * WP_ASYNC are not modelled.
 */
export const userfaultfd_register: KernelFn = {
  name: 'userfaultfd_register',
  cites: 'fs/userfaultfd.c: userfaultfd_register(), userfaultfd_register_range()',
  entry: 'check_mode',
  steps: {
    check_mode: {
      doc: 'copy_from_user; !mode or mode & ~UFFD_API_REGISTER_MODES: -EINVAL; validate_range(): -EINVAL (all before mmap_write_lock)',
      local: true,
      run: (d, t) => {
        const raw = rawArgs(d, t);
        if (raw !== null) {
          const range = raw.mode === 0 || raw.mode > UFFD_API_REGISTER_MODES ? null : validate_range(raw);
          if (range === null) {
            ret(d, t, result('EINVAL', null));
            return;
          }
          setLocal(d, t, 'start', range.start);
          setLocal(d, t, 'end', range.start + range.pages);
          setLocal(d, t, 'modes', (['MISSING', 'WP', 'MINOR'] as const).filter(m => (raw.mode & UFFDIO_REGISTER_MODE[m]) !== 0));
        }
        if (local<string[]>(d, t, 'modes').length === 0) ret(d, t, result('EINVAL', null));
        else goTo(d, t, 'mmap_write_lock');
      },
    },
    ...mmapLockSteps('mmap_write_lock', true, 'userfaultfd_register_range', 'mmget_not_zero(mm); mmap_write_lock(mm)'),
    userfaultfd_register_range: {
      doc: 'vma_find(); check every VMA (vma_can_userfault -EINVAL, other ctx -EBUSY); set ctx + VM_UFFD_* with split/merge; mmap_write_unlock; ioctls mask',
      run: (d, t) => {
        const ctx = ctxArg(d, t);
        const start = local<number>(d, t, 'start');
        const end = local<number>(d, t, 'end');
        const flags = local<string[]>(d, t, 'modes').map(m => MODE_FLAG[m] as UffdVmFlag).sort();
        const vmas = vmasIn(d, start, end);
        const raw = rawArgs(d, t);
        let err: string | null = null;
        if (vmas.length === 0) err = 'EINVAL';
        // "If the first vma contains huge pages, make sure start address is aligned to huge page size."
        else if (vmas[0]!.kind === 'hugetlb' && hugeMisaligned(raw, 'head')) err = 'EINVAL';
        for (const v of vmas) {
          if (err !== null) break;
          // vma_can_userfault(): anon, shmem and hugetlb accept MISSING and WP; MINOR needs shmem/hugetlb.
          if (flags.includes('VM_UFFD_MINOR') && v.kind === 'anon') err = 'EINVAL';
          // "If this vma contains ending address, and huge pages check alignment."
          else if (v.kind === 'hugetlb' && end <= v.end && end > v.start && hugeMisaligned(raw, 'tail')) err = 'EINVAL';
          else if (v.uffd !== null && v.uffd !== ctx) err = 'EBUSY';
        }
        if (err === null) {
          for (const v of vmas.map(x => ({ ...x }))) {
            const s0 = Math.max(start, v.start);
            const e0 = Math.min(end, v.end);
            // Already registered to this ctx with a superset of the modes: nothing to do.
            if (v.uffd === ctx && flags.every(f => v.uffd_flags.includes(f))) continue;
            setUffd(d, s0, e0, ctx, flags);
            // Ghost monitor view: the monitor registering a range knows which of its pages are present.
            for (let p = s0; p < e0; p++) if ((d.mm.pte[p] ?? null) !== null) viewAdd(d, ctx, p);
          }
        }
        mmap_write_unlock(d, t);
        if (err !== null) {
          ret(d, t, result(err, null));
          return;
        }
        // "Note vmas containing huge pages": basic_ioctls.
        let ioctls = vmas.some(v => v.kind === 'hugetlb') ? UFFD_API_RANGE_IOCTLS_BASIC : UFFD_API_RANGE_IOCTLS;
        if (!flags.includes('VM_UFFD_WP')) ioctls &= ~(1 << _UFFDIO_WRITEPROTECT);
        if (!flags.includes('VM_UFFD_MINOR')) ioctls &= ~(1 << _UFFDIO_CONTINUE);
        ret(d, t, result('0', `0x${ioctls.toString(16)}`));
      },
    },
  },
};

/**
 * Locals: ctx, start, end, todo (sub-ranges still to clear), cur; raw (RawArgs) for a raw_ioctl.
 * v6.18 refuses (-EINVAL) a range with a VMA registered to another uffd: the
 * real kernel on the machines does (see README "Fidelity").
 */
export const userfaultfd_unregister: KernelFn = {
  name: 'userfaultfd_unregister',
  cites: 'fs/userfaultfd.c: userfaultfd_unregister()',
  entry: 'validate_range',
  steps: {
    validate_range: {
      doc: 'copy_from_user; validate_range(): -EINVAL (before mmap_write_lock)',
      local: true,
      run: (d, t) => {
        if (!rawToPages(d, t, 'start', 'end')) ret(d, t, result('EINVAL', null));
        else goTo(d, t, 'mmap_write_lock');
      },
    },
    ...mmapLockSteps('mmap_write_lock', true, 'vma_find', 'mmget_not_zero(mm); mmap_write_lock(mm)'),
    vma_find: {
      doc: 'vma_find(); -EINVAL if no VMA or a VMA belongs to another uffd; collect the registered sub-ranges',
      local: true,
      run: (d, t) => {
        const ctx = ctxArg(d, t);
        const start = local<number>(d, t, 'start');
        const end = local<number>(d, t, 'end');
        const vmas = vmasIn(d, start, end);
        // "If the first vma contains huge pages, make sure start address is aligned to huge page size."
        const misaligned = vmas[0]?.kind === 'hugetlb' && hugeMisaligned(rawArgs(d, t), 'head');
        if (vmas.length === 0 || misaligned || vmas.some(v => v.uffd !== null && v.uffd !== ctx)) {
          mmap_write_unlock(d, t);
          ret(d, t, result('EINVAL', null));
          return;
        }
        const todo: Json[] = vmas.filter(v => v.uffd !== null).map(v => ({
          start: Math.max(start, v.start), end: Math.min(end, v.end), missing: v.uffd_flags.includes('VM_UFFD_MISSING'), ctx: v.uffd,
          // hugetlb_vm_op_split(): the split at a real end inside a huge page fails (-EINVAL).
          ...(v.kind === 'hugetlb' && end <= v.end && hugeMisaligned(rawArgs(d, t), 'tail') ? { bad_split: true } : {}),
        }));
        setLocal(d, t, 'todo', todo);
        goTo(d, t, 'userfaultfd_missing');
      },
    },
    userfaultfd_missing: {
      doc: 'for each registered VMA in range: if userfaultfd_missing(vma), wake_userfault(ctx, [start, vma_end)) while holding mmap_lock for write',
      local: true,
      run: (d, t, k) => {
        const todo = local<{ start: number; end: number; missing: boolean; ctx: number }[]>(d, t, 'todo');
        const cur = todo[0];
        if (cur === undefined) {
          goTo(d, t, 'mmap_write_unlock');
          return;
        }
        setLocal(d, t, 'cur', cur);
        setLocal(d, t, 'todo', todo.slice(1));
        if (cur.missing) call(d, t, k, 'wake_userfault', { ctx: cur.ctx, start: cur.start, len: cur.end - cur.start, seq: 0, need_wakeup: false }, 'userfaultfd_clear_vma');
        else goTo(d, t, 'userfaultfd_clear_vma');
      },
    },
    userfaultfd_clear_vma: {
      doc: 'userfaultfd_clear_vma(): clear vm_userfaultfd_ctx and VM_UFFD_* (split/merge), under mmap_lock for write',
      local: true,
      run: (d, t) => {
        const cur = local<{ start: number; end: number; bad_split?: boolean }>(d, t, 'cur');
        if (cur.bad_split === true) {
          // userfaultfd_clear_vma() -> vma_modify_flags_uffd() -> __split_vma() -> hugetlb_vm_op_split(): -EINVAL; "break".
          mmap_write_unlock(d, t);
          ret(d, t, result('EINVAL', null));
          return;
        }
        setUffd(d, cur.start, cur.end, null, []);
        goTo(d, t, 'userfaultfd_missing');
      },
    },
    mmap_write_unlock: {
      doc: 'mmap_write_unlock(mm); mmput(mm)',
      run: (d, t) => {
        mmap_write_unlock(d, t);
        ret(d, t, result('0', null));
      },
    },
  },
};

/** Locals: ctx, start, len; raw (RawArgs) for a raw_ioctl. */
export const userfaultfd_wake: KernelFn = {
  name: 'userfaultfd_wake',
  cites: 'fs/userfaultfd.c: userfaultfd_wake()',
  entry: 'validate_range',
  steps: {
    validate_range: {
      doc: 'copy_from_user; validate_range(): -EINVAL; wake_userfault(ctx, range)',
      local: true,
      run: (d, t, k) => {
        if (!rawToPages(d, t, 'start', 'len')) {
          ret(d, t, result('EINVAL', null));
          return;
        }
        call(d, t, k, 'wake_userfault', { ctx: ctxArg(d, t), start: local<number>(d, t, 'start'), len: local<number>(d, t, 'len'), seq: 0, need_wakeup: false }, 'return');
      },
    },
    return: { doc: 'return 0', local: true, run: (d, t) => ret(d, t, result('0', null)) },
  },
};

/** Only non-cooperative event preps raise mmap_changing; with no EVENT_* feature on the ctx it stays 0 (its read is then local). */
function mmapChangingStaysZero(s: KernelState, t: Tid): boolean {
  return !ctxOf(s, ctxArg(s, t)).features.some(f => f.startsWith('UFFD_FEATURE_EVENT_'));
}

type FillIoctl = 'userfaultfd_copy' | 'userfaultfd_zeropage' | 'userfaultfd_continue';

/** Per ioctl: the output field, the mfill mode, the mode bits it accepts (include/uapi/linux/userfaultfd.h). */
const FILL_IOCTL: { readonly [name in FillIoctl]: { field: string; mode: FillMode; allowed: number; modes: string } } = {
  // UFFDIO_COPY_MODE_DONTWAKE|UFFDIO_COPY_MODE_WP
  userfaultfd_copy: { field: 'copy', mode: 'copy', allowed: MODE_DONTWAKE | UFFDIO_COPY_MODE_WP, modes: 'DONTWAKE|WP' },
  // UFFDIO_ZEROPAGE_MODE_DONTWAKE
  userfaultfd_zeropage: { field: 'zeropage', mode: 'zeropage', allowed: MODE_DONTWAKE, modes: 'DONTWAKE' },
  // UFFDIO_CONTINUE_MODE_DONTWAKE|UFFDIO_CONTINUE_MODE_WP (1 << 1, the same bit as UFFDIO_COPY_MODE_WP)
  userfaultfd_continue: { field: 'mapped', mode: 'continue', allowed: MODE_DONTWAKE | UFFDIO_COPY_MODE_WP, modes: 'DONTWAKE|WP' },
};

/**
 * userfaultfd_copy(), userfaultfd_zeropage() and userfaultfd_continue() share
 * their shape (mfill_atomic_copy() / mfill_atomic_zeropage() /
 * mfill_atomic_continue() -> mfill_atomic()); the table above tells them apart.
 */
function fillIoctl(name: FillIoctl): KernelFn {
  const { field, mode: fillMode, allowed: allowedModes, modes } = FILL_IOCTL[name];
  return {
    name,
    cites: `fs/userfaultfd.c: ${name}()`,
    entry: 'atomic_read(mmap_changing)',
    steps: {
      'atomic_read(mmap_changing)': {
        local: mmapChangingStaysZero,
        doc: `if (atomic_read(&ctx->mmap_changing)) { put_user(-EAGAIN, &${field}); return -EAGAIN; } (lockless); copy_from_user; ` +
          `validate_range()${field === 'copy' ? ' (src: validate_unaligned_range())' : ''} and mode & ~(${modes}): -EINVAL, ${field} unwritten; ` +
          `mmget_not_zero; mfill_atomic_${fillMode}()`,
        run: (d, t, k) => {
          const c = ctxOf(d, ctxArg(d, t));
          if (c.mmap_changing > 0) {
            ret(d, t, result('EAGAIN', -ERRNO['EAGAIN']!));
            return;
          }
          const raw = rawArgs(d, t);
          if (raw !== null) {
            // The source buffer is the monitor's own (always valid): its validate_unaligned_range()
            // fails exactly when dst's len checks do, with the same -EINVAL.
            if (!rawToPages(d, t, 'dst', 'len') || (raw.mode & ~allowedModes) !== 0) {
              ret(d, t, result('EINVAL', null));
              return;
            }
            setLocal(d, t, 'dontwake', (raw.mode & MODE_DONTWAKE) !== 0);
          }
          call(d, t, k, 'mfill_atomic', {
            ctx: ctxArg(d, t), dst: local<number>(d, t, 'dst'), len: local<number>(d, t, 'len'),
            mode: fillMode, content: local<number>(d, t, 'content'), copied: 0,
            wp: raw !== null && (raw.mode & UFFDIO_COPY_MODE_WP) !== 0,
            seen: eventsInFlight(d, ctxArg(d, t)).map(e => e.id), // ghost: what this check saw
            // hugetlb: mfill_atomic_hugetlb()'s "dst_start & (vma_hpagesize - 1) || len & (vma_hpagesize - 1)".
            ...(hugeMisaligned(raw, 'head') || hugeMisaligned(raw, 'tail') ? { misaligned: true } : {}),
          }, 'put_user');
        },
      },
      put_user: {
        doc: `put_user(ret, &${field}); if ret > 0 and !DONTWAKE: wake_userfault(ctx, [dst, dst + ret)) — an error wakes nobody`,
        local: true,
        run: (d, t, k) => {
          const rv = last(thread(d, t).frames)!.rv;
          if (typeof rv === 'string') {
            ret(d, t, result(rv, -(ERRNO[rv] ?? 0)));
            return;
          }
          setLocal(d, t, 'done', rv as number);
          if (local<boolean>(d, t, 'dontwake')) goTo(d, t, 'return');
          else call(d, t, k, 'wake_userfault', { ctx: ctxArg(d, t), start: local<number>(d, t, 'dst'), len: rv as number, seq: 0, need_wakeup: false }, 'return');
        },
      },
      return: {
        doc: 'return 0 if everything was filled, else -EAGAIN (partial)',
        local: true,
        run: (d, t) => {
          const done = local<number>(d, t, 'done');
          // A hugetlb fill counts 2 MiB per page (local `unit`, set by user space for a hugetlb destination).
          const unit = (top(d, t).locals['unit'] as number | undefined) ?? PAGE_SIZE;
          ret(d, t, result(done === local<number>(d, t, 'len') ? '0' : 'EAGAIN', done * unit));
        },
      },
    },
  };
}

/** Locals: ctx, dst, len, content, dontwake, done; raw (RawArgs) for a raw_ioctl. */
export const userfaultfd_copy = fillIoctl('userfaultfd_copy');
/** Locals: ctx, dst, len, content (0), dontwake, done; raw (RawArgs) for a raw_ioctl. */
export const userfaultfd_zeropage = fillIoctl('userfaultfd_zeropage');
/**
 * UFFDIO_CONTINUE (v5.13+, seed 004): map the page-cache folio behind a minor
 * fault. Locals: ctx, dst, len, content (unused), dontwake, done; raw (RawArgs)
 * for a raw_ioctl. The output field is `mapped`.
 */
export const userfaultfd_continue = fillIoctl('userfaultfd_continue');

const UFFDIO_WRITEPROTECT_MODE_WP = 1;
const UFFDIO_WRITEPROTECT_MODE_DONTWAKE = 2;

/**
 * Locals: ctx, raw (RawArgs: UFFDIO_WRITEPROTECT is only issued by a raw_ioctl),
 * start, len (pages), wp, dontwake. The validation paths are exact; the
 * uffd-wp bit of ptes is not modelled (WP faults are not, and a scenario that
 * registers WP makes no memory access), so a successful write-protect or
 * un-protect changes nothing the model keeps, and its wake (mode 0) is modelled.
 */
export const userfaultfd_writeprotect: KernelFn = {
  name: 'userfaultfd_writeprotect',
  cites: 'fs/userfaultfd.c: userfaultfd_writeprotect(); mm/userfaultfd.c: mwriteprotect_range()',
  entry: 'atomic_read(mmap_changing)',
  steps: {
    'atomic_read(mmap_changing)': {
      local: mmapChangingStaysZero,
      doc: 'if (atomic_read(&ctx->mmap_changing)) return -EAGAIN; copy_from_user; validate_range(): -EINVAL; mode & ~(WP|DONTWAKE), or WP with DONTWAKE: -EINVAL; mmget_not_zero',
      run: (d, t) => {
        if (ctxOf(d, ctxArg(d, t)).mmap_changing > 0) {
          ret(d, t, result('EAGAIN', null));
          return;
        }
        const mode = rawArgs(d, t)?.mode ?? 0;
        const allowed = UFFDIO_WRITEPROTECT_MODE_WP | UFFDIO_WRITEPROTECT_MODE_DONTWAKE;
        if (!rawToPages(d, t, 'start', 'len') || (mode & ~allowed) !== 0 || (mode & allowed) === allowed) {
          ret(d, t, result('EINVAL', null));
          return;
        }
        setLocal(d, t, 'wp', (mode & UFFDIO_WRITEPROTECT_MODE_WP) !== 0);
        setLocal(d, t, 'dontwake', (mode & UFFDIO_WRITEPROTECT_MODE_DONTWAKE) !== 0);
        goTo(d, t, 'mmap_read_lock');
      },
    },
    ...mmapLockSteps('mmap_read_lock', false, 'down_read(map_changing_lock)', 'mwriteprotect_range(): mmap_read_lock(dst_mm)'),
    ...rwsemSteps('map_changing_lock', 'down_read(map_changing_lock)', false, 'return',
      'down_read(&ctx->map_changing_lock); mmap_changing: -EAGAIN; for each VMA in range: !userfaultfd_wp(vma) -> -ENOENT (none at all: -ENOENT), else uffd_wp_range(); unlock both; if !WP && !DONTWAKE: wake_userfault(range)',
      (d, t, k) => {
        const ctx = ctxArg(d, t);
        const start = local<number>(d, t, 'start');
        const end = start + local<number>(d, t, 'len');
        const vmas = vmasIn(d, start, end);
        let err: string | null = null;
        if (ctxOf(d, ctx).mmap_changing > 0) err = 'EAGAIN';
        else if (vmas.length === 0 || vmas.some(v => !v.uffd_flags.includes('VM_UFFD_WP'))) err = 'ENOENT';
        up_read(d, t, ctxOf(d, ctx).map_changing_lock, 'map_changing_lock');
        mmap_read_unlock(d, t);
        if (err !== null) ret(d, t, result(err, null));
        else if (!local<boolean>(d, t, 'wp') && !local<boolean>(d, t, 'dontwake')) {
          call(d, t, k, 'wake_userfault', { ctx, start, len: end - start, seq: 0, need_wakeup: false }, 'return');
        }
      }),
    return: { doc: 'return 0', local: true, run: (d, t) => ret(d, t, result('0', null)) },
  },
};
