/**
 * mremap(2) — mm/mremap.c @ v6.18: do_mremap(), check_mremap_params(),
 * check_prep_vma(), remap_is_valid(), mremap_to(), mremap_at(),
 * expand_vma(), move_vma(), copy_vma_and_data(), unmap_source_vma(),
 * dontunmap_complete(), notify_uffd(); fs/userfaultfd.c
 * mremap_userfaultfd_prep(), mremap_userfaultfd_complete().
 *
 *   check_mremap_params     (no lock) -EINVAL: FIXED/DONTUNMAP without MAYMOVE, DONTUNMAP resizing, overlap
 *   mmap_write_lock_killable
 *   check_prep_vma          vma_lookup(addr) (-EFAULT); remap_is_valid(): range past the VMA -> -EFAULT
 *   mremap_to / mremap_at   FIXED: do_vmi_munmap(target, uf_unmap_early); shrink: do_vmi_munmap(tail, uf_unmap);
 *                           grow in place when the VMA ends at the range and the space after it is free;
 *                           else (MAYMOVE) move
 *   move_vma                copy_vma() + move_page_tables(); mremap_userfaultfd_prep(new_vma): ctx with
 *                           EVENT_REMAP -> ctx get, mmap_changing++; ctx without it -> the new VMA loses it.
 *                           DONTUNMAP: the old VMA stays (no ptes, same uffd); else do_vmi_munmap(source, uf_unmap)
 *   out                     mmap_write_unlock
 *   notify_uffd             userfaultfd_unmap_complete(uf_unmap_early); mremap_userfaultfd_complete(REMAP{from,
 *                           to, len}); userfaultfd_unmap_complete(uf_unmap)
 *
 * Simplifications: the range must lie in one VMA (v6.17+ can move several
 * VMAs at once with MREMAP_FIXED; not modelled); where the kernel's
 * get_unmapped_area() picks the new address (a MAYMOVE growth that cannot
 * be done in place, or a DONTUNMAP hint that is taken) the scenario's `to`
 * is that address, and a model error says so if it is missing or not free;
 * the moved VMA is not merged with neighbours; no accounting, mlock, KSM,
 * hugetlb or allocation failures, so mremap_userfaultfd_fail() (reached
 * only on -ENOMEM or a multi-VMA move) is not modelled either.
 * map_changing_lock around the increment is folded: fills take it inside
 * mmap_lock, which this thread holds for write.
 */
import type { KernelFn, Step } from '../engine.js';
import { call, goTo, last, local, ModelError, ret, setLocal, thread } from '../engine.js';
import type { Json, KernelState, RemapMsg, Tid, Vma } from '../state.js';
import { mmapLockSteps, mmap_write_unlock } from '../kernel/rwsem.js';
import { ctxOf } from '../uffd/ctx.js';
import { mmapChangingInc } from '../uffd/event.js';
import type { MunmapResult } from './munmap.js';
import { changingPresentPte, vma_lookup } from './vma.js';

export const EVENT_REMAP = 'UFFD_FEATURE_EVENT_REMAP';

type Flags = ('MREMAP_MAYMOVE' | 'MREMAP_FIXED' | 'MREMAP_DONTUNMAP')[];
/** What notify_uffd() still has to deliver, in order. */
type Notify = { unmap: MunmapResult } | { remap: true };

const flags = (s: KernelState, t: Tid): Flags => local<Flags>(s, t, 'flags');
const has = (s: KernelState, t: Tid, f: Flags[number]): boolean => flags(s, t).includes(f);
/** vrm_implies_new_addr(): MREMAP_FIXED or MREMAP_DONTUNMAP. */
const impliesNewAddr = (s: KernelState, t: Tid): boolean => has(s, t, 'MREMAP_FIXED') || has(s, t, 'MREMAP_DONTUNMAP');

function fail(d: KernelState, t: Tid, errno: string): void {
  setLocal(d, t, 'res', errno);
  goTo(d, t, 'out');
}

/** Is [start, end) free address space inside the modelled page range? */
function isFree(s: KernelState, start: number, end: number): boolean {
  return start >= 0 && end <= s.mm.pte.length && !s.mm.vmas.some(v => v.start < end && start < v.end);
}

/** The address get_unmapped_area() returns, as the scenario gives it (see the header). */
function pickedAddress(d: KernelState, t: Tid, why: string): number {
  const to = local<number | null>(d, t, 'new_addr');
  const len = local<number>(d, t, 'new_len');
  if (to === null || !isFree(d, to, to + len)) {
    throw new ModelError(`${thread(d, t).name}: mremap() needs a new address (${why}); the kernel's get_unmapped_area() picks it, so the scenario's "to" must name ${len} free page(s)${to === null ? '' : `, and page ${to} onwards is not free`}`);
  }
  return to;
}

/** do_vmi_munmap() of [start, end) under the held write lock; the result goes to list `into` at `resumeAt`. */
function munmapUnderLock(d: KernelState, t: Tid, k: Parameters<Step['run']>[2], start: number, end: number, unlock: boolean, resumeAt: string): void {
  call(d, t, k, 'do_vmi_munmap', { start, end, todo: [], uf: [], unlock, rec: -1 }, resumeAt);
}

/** Append the do_vmi_munmap() result in frame.rv to notify list `list`. */
function keepUnmap(d: KernelState, t: Tid, list: 'uf_unmap_early' | 'uf_unmap'): void {
  const f = last(thread(d, t).frames)!;
  const r = f.rv as unknown as MunmapResult;
  f.rv = null;
  setLocal(d, t, list, [...local<Json[]>(d, t, list), r as unknown as Json]);
}

/** check_prep_vma(), mainline or with the seed 003 rule (DONTUNMAP on private anonymous mappings only). */
export function checkPrepVmaStep(dontunmapAnonOnly: boolean): Step {
  return {
    doc: dontunmapAnonOnly
      ? '(patched, as introduced in v5.7) vma_to_resize(): MREMAP_DONTUNMAP on a VMA that is not private anonymous -> -EINVAL; then as mainline'
      : 'check_prep_vma(): vma = vma_lookup(addr) (-EFAULT); delta and type (shrink/expand/none); new_addr = addr unless FIXED/DONTUNMAP; if it maps anything new: remap_is_valid() (the range must end inside the VMA, shrink: new_len; else -EFAULT)',
    local: true, // VMAs are read under mmap_lock for write
    run: (d, t) => {
      const addr = local<number>(d, t, 'addr');
      const oldLen = local<number>(d, t, 'old_len');
      const newLen = local<number>(d, t, 'new_len');
      const vma = vma_lookup(d, addr);
      if (vma === null) return fail(d, t, 'EFAULT');
      if (dontunmapAnonOnly && has(d, t, 'MREMAP_DONTUNMAP') && !(vma.kind === 'anon' && !vma.shared)) return fail(d, t, 'EINVAL');
      if (!impliesNewAddr(d, t)) setLocal(d, t, 'new_addr', addr);
      const expand = newLen > oldLen;
      if (expand || impliesNewAddr(d, t)) {
        const checked = newLen < oldLen ? newLen : oldLen; // shrink: the unmapped tail may cross VMAs
        if (checked > vma.end - addr) return fail(d, t, 'EFAULT');
      }
      goTo(d, t, impliesNewAddr(d, t) ? 'mremap_to' : 'mremap_at');
    },
  };
}

/**
 * Locals: addr, old_len, new_len (pages), flags, new_addr (page or null),
 * res, uf (REMAP: { ctx, id } or null), uf_unmap_early, uf_unmap
 * (MunmapResult lists), mmap_locked, notify. Returns the new address (page)
 * or an errno name.
 */
export const mremap: KernelFn = {
  name: 'mremap',
  cites: 'mm/mremap.c: SYSCALL_DEFINE5(mremap) -> do_mremap()',
  entry: 'check_mremap_params',
  steps: {
    check_mremap_params: {
      doc: 'check_mremap_params() (no lock): new_len 0 -> -EINVAL; with FIXED or DONTUNMAP: no MAYMOVE -> -EINVAL, DONTUNMAP with old_len != new_len -> -EINVAL, [addr, +old_len) overlapping [new_addr, +new_len) -> -EINVAL',
      local: true,
      run: (d, t) => {
        const addr = local<number>(d, t, 'addr');
        const oldLen = local<number>(d, t, 'old_len');
        const newLen = local<number>(d, t, 'new_len');
        const to = local<number | null>(d, t, 'new_addr');
        let err: string | null = null;
        if (newLen === 0) err = 'EINVAL';
        else if (impliesNewAddr(d, t)) {
          if (!has(d, t, 'MREMAP_MAYMOVE')) err = 'EINVAL';
          else if (has(d, t, 'MREMAP_DONTUNMAP') && oldLen !== newLen) err = 'EINVAL';
          else if (to === null) throw new ModelError(`${thread(d, t).name}: mremap() with MREMAP_FIXED or MREMAP_DONTUNMAP needs "to" (the new address)`);
          else if (addr + oldLen > to && to + newLen > addr) err = 'EINVAL';
        }
        if (err !== null) {
          ret(d, t, err);
          return;
        }
        setLocal(d, t, 'uf_unmap_early', []);
        setLocal(d, t, 'uf_unmap', []);
        setLocal(d, t, 'mmap_locked', true);
        goTo(d, t, 'mmap_write_lock_killable');
      },
    },
    ...mmapLockSteps('mmap_write_lock_killable', true, 'check_prep_vma', 'mmap_write_lock_killable(mm) (no signals: never -EINTR); vrm->mmap_locked = true'),
    check_prep_vma: checkPrepVmaStep(false),
    mremap_to: {
      doc: 'mremap_to(): MREMAP_FIXED -> do_munmap(new_addr, new_len, uf_unmap_early) (the target is unmapped first)',
      local: true,
      run: (d, t, k) => {
        if (!has(d, t, 'MREMAP_FIXED')) {
          goTo(d, t, 'mremap_to:shrink');
          return;
        }
        const to = local<number>(d, t, 'new_addr');
        munmapUnderLock(d, t, k, to, to + local<number>(d, t, 'new_len'), false, 'mremap_to:vma_lookup');
      },
    },
    'mremap_to:vma_lookup': {
      doc: 'vrm->vma = vma_lookup(mm, addr) again after the target unmap (-EFAULT if gone)',
      local: true,
      run: (d, t) => {
        keepUnmap(d, t, 'uf_unmap_early');
        if (vma_lookup(d, local<number>(d, t, 'addr')) === null) return fail(d, t, 'EFAULT');
        goTo(d, t, 'mremap_to:shrink');
      },
    },
    'mremap_to:shrink': {
      doc: 'mremap_to(): a shrink first unmaps the tail, shrink_vma(drop_lock = false) -> do_vmi_munmap(addr + new_len, delta, uf_unmap); then old_len = new_len',
      local: true,
      run: (d, t, k) => {
        const addr = local<number>(d, t, 'addr');
        const oldLen = local<number>(d, t, 'old_len');
        const newLen = local<number>(d, t, 'new_len');
        if (newLen < oldLen) {
          setLocal(d, t, 'old_len', newLen);
          munmapUnderLock(d, t, k, addr + newLen, addr + oldLen, false, 'mremap_to:shrunk');
          return;
        }
        goTo(d, t, 'vrm_set_new_addr');
      },
    },
    'mremap_to:shrunk': {
      doc: 'the tail is unmapped (its UNMAP entries on uf_unmap); go on to the move',
      local: true,
      run: (d, t) => {
        keepUnmap(d, t, 'uf_unmap');
        goTo(d, t, 'vrm_set_new_addr');
      },
    },
    vrm_set_new_addr: {
      doc: 'vrm_set_new_addr(): get_unmapped_area(): MREMAP_FIXED -> new_addr; DONTUNMAP alone -> new_addr as a hint',
      local: true,
      run: (d, t) => {
        if (!has(d, t, 'MREMAP_FIXED')) setLocal(d, t, 'new_addr', pickedAddress(d, t, 'the MREMAP_DONTUNMAP hint'));
        goTo(d, t, 'move_vma');
      },
    },
    mremap_at: {
      doc: 'mremap_at(): same size -> done; shrink -> shrink_vma(drop_lock = true); grow -> expand_vma(): in place if the range ends the VMA and the pages after it are free, else -ENOMEM without MAYMOVE, else move',
      local: true,
      run: (d, t, k) => {
        const addr = local<number>(d, t, 'addr');
        const oldLen = local<number>(d, t, 'old_len');
        const newLen = local<number>(d, t, 'new_len');
        if (newLen === oldLen) {
          setLocal(d, t, 'res', addr);
          goTo(d, t, 'out');
          return;
        }
        if (newLen < oldLen) {
          munmapUnderLock(d, t, k, addr + newLen, addr + oldLen, true, 'mremap_at:shrunk');
          return;
        }
        const vma = vma_lookup(d, addr)!;
        if (vma.end === addr + oldLen && isFree(d, vma.end, addr + newLen)) {
          goTo(d, t, 'expand_vma_in_place');
          return;
        }
        if (!has(d, t, 'MREMAP_MAYMOVE')) return fail(d, t, 'ENOMEM');
        setLocal(d, t, 'new_addr', pickedAddress(d, t, 'a MAYMOVE growth that cannot be done in place'));
        goTo(d, t, 'move_vma');
      },
    },
    'mremap_at:shrunk': {
      doc: 'shrink_vma() dropped mmap_lock (do_vmi_munmap(unlock = true)): vrm->mmap_locked = false; return addr',
      local: true,
      run: (d, t) => {
        keepUnmap(d, t, 'uf_unmap');
        setLocal(d, t, 'mmap_locked', false);
        setLocal(d, t, 'res', local<number>(d, t, 'addr'));
        goTo(d, t, 'out');
      },
    },
    expand_vma_in_place: {
      doc: 'expand_vma_in_place(): vma_merge_extend() grows the VMA by delta (it keeps its uffd ctx and flags); return addr',
      local: true, // VMAs are only read under mmap_lock, held here for write
      run: (d, t) => {
        const addr = local<number>(d, t, 'addr');
        const vma = d.mm.vmas.find(v => v.start <= addr && addr < v.end)!;
        vma.end = addr + local<number>(d, t, 'new_len');
        setLocal(d, t, 'res', addr);
        goTo(d, t, 'out');
      },
    },
    move_vma: {
      doc: 'move_vma() -> copy_vma_and_data(): copy_vma() at new_addr (same file/pgoff, uffd ctx and flags), move_page_tables(); mremap_userfaultfd_prep(new_vma): EVENT_REMAP -> userfaultfd_ctx_get(), atomic_inc(&ctx->mmap_changing); a ctx without it -> userfaultfd_reset_ctx(new_vma)',
      run: (d, t) => {
        const addr = local<number>(d, t, 'addr');
        const oldLen = local<number>(d, t, 'old_len');
        const to = local<number>(d, t, 'new_addr');
        const vma = d.mm.vmas.find(v => v.start <= addr && addr < v.end)!;
        const moved: Vma = { ...vma, uffd_flags: [...vma.uffd_flags], start: to, end: to + local<number>(d, t, 'new_len'), pgoff: vma.pgoff + (addr - vma.start) };
        d.mm.vmas.push(moved);
        d.mm.vmas.sort((a, b) => a.start - b.start);
        for (let i = 0; i < oldLen; i++) {
          if ((d.mm.pte[addr + i] ?? null) !== null || (d.mm.pte[to + i] ?? null) !== null) changingPresentPte(d);
          d.mm.pte[to + i] = d.mm.pte[addr + i] ?? null;
          d.mm.pte[addr + i] = null;
          d.expect[to + i] = d.expect[addr + i] ?? null;
          d.expect[addr + i] = null;
        }
        const ctx = moved.uffd;
        if (ctx !== null) {
          if (ctxOf(d, ctx).features.includes(EVENT_REMAP)) {
            ctxOf(d, ctx).refcount += 1;
            setLocal(d, t, 'uf', { ctx, id: mmapChangingInc(d, ctx, 'REMAP', t) });
          } else {
            const nv = d.mm.vmas.find(v => v.start === to)!;
            nv.uffd = null;
            nv.uffd_flags = [];
          }
        }
        setLocal(d, t, 'res', to);
        if (has(d, t, 'MREMAP_DONTUNMAP')) {
          goTo(d, t, 'out'); // dontunmap_complete(): the old VMA stays, its page tables moved away
          return;
        }
        goTo(d, t, 'unmap_source_vma');
      },
    },
    unmap_source_vma: {
      doc: 'unmap_source_vma(): do_vmi_munmap(addr, old_len, uf_unmap, unlock = false): the source range goes (an UNMAP event for it if its ctx has EVENT_UNMAP)',
      local: true,
      run: (d, t, k) => {
        const addr = local<number>(d, t, 'addr');
        munmapUnderLock(d, t, k, addr, addr + local<number>(d, t, 'old_len'), false, 'unmap_source_vma:done');
      },
    },
    'unmap_source_vma:done': {
      doc: 'back in move_vma(): return new_addr',
      local: true,
      run: (d, t) => {
        keepUnmap(d, t, 'uf_unmap');
        goTo(d, t, 'out');
      },
    },
    out: {
      doc: 'out: if (vrm->mmap_locked) mmap_write_unlock(mm); then notify_uffd()',
      local: (s, t) => !local<boolean>(s, t, 'mmap_locked'),
      run: (d, t) => {
        if (local<boolean>(d, t, 'mmap_locked')) mmap_write_unlock(d, t);
        setLocal(d, t, 'mmap_locked', false);
        const failed = typeof local<Json>(d, t, 'res') === 'string';
        const notify: Notify[] = [
          ...local<MunmapResult[]>(d, t, 'uf_unmap_early').map(unmap => ({ unmap })),
          ...(failed || local<Json>(d, t, 'uf') === null ? [] : [{ remap: true as const }]),
          ...local<MunmapResult[]>(d, t, 'uf_unmap').map(unmap => ({ unmap })),
        ];
        setLocal(d, t, 'notify', notify as unknown as Json);
        goTo(d, t, 'notify_uffd');
      },
    },
    notify_uffd: {
      doc: 'notify_uffd(): userfaultfd_unmap_complete(uf_unmap_early); mremap_userfaultfd_complete(uf, addr, new_addr, old_len) -> REMAP event; userfaultfd_unmap_complete(uf_unmap); return res',
      local: true,
      run: (d, t, k) => {
        const notify = local<Json>(d, t, 'notify') as unknown as Notify[];
        const next = notify[0];
        if (next === undefined) {
          ret(d, t, local<Json>(d, t, 'res'));
          return;
        }
        setLocal(d, t, 'notify', notify.slice(1) as unknown as Json);
        if ('unmap' in next) {
          call(d, t, k, 'userfaultfd_unmap_complete', { uf: next.unmap.uf as unknown as Json, rec: next.unmap.rec }, 'notify_uffd');
          return;
        }
        const uf = local<{ ctx: number; id: number }>(d, t, 'uf');
        const msg: RemapMsg = { event: 'UFFD_EVENT_REMAP', from: local<number>(d, t, 'addr'), to: local<number>(d, t, 'new_addr'), len: local<number>(d, t, 'old_len'), address: 0, flags: 0 };
        call(d, t, k, 'userfaultfd_event_wait_completion', { ctx: uf.ctx, msg: { ...msg }, id: uf.id }, 'notify_uffd');
      },
    },
  },
};
