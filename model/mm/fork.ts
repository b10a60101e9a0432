/**
 * fork(2), the part that touches userfaultfd — mm/mmap.c dup_mmap() @ v6.18
 * (kernel/fork.c before v6.15); fs/userfaultfd.c dup_userfaultfd(),
 * dup_userfaultfd_complete(), dup_userfaultfd_fail().
 *
 *   mmap_write_lock_killable  mmap_write_lock_killable(oldmm); the child's lock (mmap_write_lock_nested) is uncontended
 *   dup_mmap                  for each VMA: vm_area_dup(); dup_userfaultfd(): no ctx -> nothing; ctx without
 *                             EVENT_FORK -> userfaultfd_reset_ctx(child VMA); else one new ctx per parent ctx
 *                             (fctx list), octx get, atomic_inc(&octx->mmap_changing); copy_page_range() when
 *                             vma_needs_copy() (anon VMAs: the ptes, write-protected in both for CoW; shmem: none)
 *   mmap_write_unlock         mmap_write_unlock(mm); mmap_write_unlock(oldmm)
 *   dup_userfaultfd_complete  success: for each fctx, FORK{new ctx} through userfaultfd_event_wait_completion(octx)
 *   dup_userfaultfd_fail      failure: for each fctx, atomic_dec(&octx->mmap_changing), put octx and the new ctx;
 *                             the child mm is torn down
 *
 * The scenario decides whether the fork fails (op field `fails`): a failure
 * after every VMA was duplicated (e.g. -ENOMEM in a later step), which is the
 * path f64e67e5d3a4 fixed.
 * Simplifications: no thread runs in the child; the child's mmap_lock is not
 * modelled (nobody can contend for it: the FORK reader installs the fd but the
 * scenario format has no operations on the child's uffd); map_changing_lock
 * around the increment is folded (fills take it inside mmap_lock, held here
 * for write); no VM_DONTCOPY/VM_WIPEONFORK, no KSM/khugepaged/uprobes.
 */
import type { KernelFn } from '../engine.js';
import { call, goTo, local, ret, setLocal } from '../engine.js';
import type { ForkMsg, Json, KernelState, Tid } from '../state.js';
import { newCtx } from '../state.js';
import { mmapLockSteps, mmap_write_unlock } from '../kernel/rwsem.js';
import { ctxOf } from '../uffd/ctx.js';
import { mmapChangingDec, mmapChangingInc } from '../uffd/event.js';
import { changingPresentPte } from './vma.js';

export const EVENT_FORK = 'UFFD_FEATURE_EVENT_FORK';

/** One entry of the fcs list: struct userfaultfd_fork_ctx (plus the ghost event id). */
export type ForkCtx = { orig: number; new: number; id: number };

/** The failed fork's child mm (the last one this thread created) is torn down: exit_mmap(). */
function tearDownChild(d: KernelState, t: Tid): void {
  let i = -1;
  d.children.forEach((c, j) => { if (c.parent_tid === t) i = j; });
  if (i >= 0) d.children.splice(i, 1);
}

function myFork(d: KernelState, t: Tid): KernelState['forks'][number] {
  const r = d.forks.find(x => x.tid === t && x.ok === null);
  if (r === undefined) throw new Error('[model bug] fork without an open fork record');
  return r;
}

/**
 * dup_userfaultfd() for every VMA of the parent, and copy_page_range(): builds
 * the child mm. Returns the fcs list.
 */
function dupMmap(d: KernelState, t: Tid): ForkCtx[] {
  const fcs: ForkCtx[] = [];
  const rec = myFork(d, t);
  const child = { parent_tid: t, vmas: [] as KernelState['mm']['vmas'], pte: d.mm.pte.map(() => null) as KernelState['mm']['pte'] };
  for (const v of d.mm.vmas) {
    const tmp = { ...v, uffd_flags: [...v.uffd_flags] };
    const octx = v.uffd;
    if (octx !== null) {
      if (!ctxOf(d, octx).features.includes(EVENT_FORK)) {
        tmp.uffd = null; // userfaultfd_reset_ctx()
        tmp.uffd_flags = [];
      } else {
        let f = fcs.find(x => x.orig === octx);
        if (f === undefined) {
          const o = ctxOf(d, octx);
          const n = newCtx(`${o.name}.fork${d.forks.length > 1 ? d.forks.length : ''}`, o.nonblock);
          n.features = [...o.features];  // ctx->features = octx->features (UFFD_FEATURE_INITIALIZED included)
          n.file_refs = 0;               // no file until the reader installs the fd
          n.fd_open = false;
          d.uffd.push(n);
          d.view.push([]);
          o.refcount += 1;               // userfaultfd_ctx_get(octx)
          const id = mmapChangingInc(d, octx, 'FORK', t);
          rec.ids.push(id);
          rec.new_ctxs.push(d.uffd.length - 1);
          f = { orig: octx, new: d.uffd.length - 1, id };
          fcs.push(f);
        }
        tmp.uffd = f.new;
      }
    }
    child.vmas.push(tmp);
    // copy_page_range() if vma_needs_copy(): anonymous memory (anon_vma: anon, or a MAP_PRIVATE file mapping); shared shmem is refaulted from the page cache.
    if (v.kind === 'anon' || !v.shared) {
      for (let p = v.start; p < v.end; p++) {
        const pte = d.mm.pte[p] ?? null;
        if (pte === null) continue;
        changingPresentPte(d);
        pte.writable = false; // copy_present_pte(): a CoW mapping is write-protected in the parent...
        child.pte[p] = { ...pte }; // ...and in the child
      }
    }
  }
  d.children.push(child);
  return fcs;
}

/** Locals: fails (the scenario's choice), fcs. Returns 0 or 'ENOMEM'. */
export const dup_mmap: KernelFn = {
  name: 'dup_mmap',
  cites: 'mm/mmap.c: dup_mmap(); fs/userfaultfd.c: dup_userfaultfd(), dup_userfaultfd_complete(), dup_userfaultfd_fail()',
  entry: 'mmap_write_lock_killable',
  steps: {
    ...mmapLockSteps('mmap_write_lock_killable', true, 'dup_userfaultfd', 'mmap_write_lock_killable(oldmm) (no signals: never -EINTR); mmap_write_lock_nested(mm)'),
    dup_userfaultfd: {
      doc: 'for_each_vma: vm_area_dup(); dup_userfaultfd(tmp, &uf) (reset without EVENT_FORK; else the new ctx of this parent ctx, created once: octx get, atomic_inc(&octx->mmap_changing)); copy_page_range() for anon VMAs (CoW: both ptes read-only)',
      // Shared: the mmap_changing increments are read locklessly by the fill ioctls, and user space sees the write-protected ptes.
      run: (d, t) => {
        d.forks.push({ tid: t, ok: null, ids: [], new_ctxs: [], got: [] });
        setLocal(d, t, 'fcs', dupMmap(d, t) as unknown as Json);
        goTo(d, t, 'mmap_write_unlock');
      },
    },
    mmap_write_unlock: {
      doc: 'out: mmap_write_unlock(mm); flush_tlb_mm(oldmm); mmap_write_unlock(oldmm); then dup_userfaultfd_complete() on success, dup_userfaultfd_fail() on failure',
      run: (d, t) => {
        mmap_write_unlock(d, t);
        const ok = !local<boolean>(d, t, 'fails');
        myFork(d, t).ok = ok;
        goTo(d, t, ok ? 'dup_userfaultfd_complete' : 'dup_userfaultfd_fail');
      },
    },
    dup_userfaultfd_complete: {
      doc: 'dup_userfaultfd_complete(&uf): for each fctx: dup_fctx(): msg.event = UFFD_EVENT_FORK, reserved1 = new ctx; userfaultfd_event_wait_completion(octx, &ewq); then return 0',
      local: true,
      run: (d, t, k) => {
        const fcs = local<Json>(d, t, 'fcs') as unknown as ForkCtx[];
        const f = fcs[0];
        if (f === undefined) {
          ret(d, t, local<boolean>(d, t, 'fails') ? 'ENOMEM' : 0);
          return;
        }
        setLocal(d, t, 'fcs', fcs.slice(1) as unknown as Json);
        const msg: ForkMsg = { event: 'UFFD_EVENT_FORK', ctx: f.new, address: 0, flags: 0 };
        call(d, t, k, 'userfaultfd_event_wait_completion', { ctx: f.orig, msg: { ...msg }, id: f.id, release_new_ctx: null }, 'dup_userfaultfd_complete');
      },
    },
    dup_userfaultfd_fail: {
      doc: 'dup_userfaultfd_fail(&uf): for each fctx: atomic_dec(&octx->mmap_changing); userfaultfd_ctx_put(octx); userfaultfd_ctx_put(new); the child mm is torn down (exit_mmap); return -ENOMEM',
      run: (d, t) => {
        for (const f of local<Json>(d, t, 'fcs') as unknown as ForkCtx[]) {
          mmapChangingDec(d, f.orig, f.id);
          ctxOf(d, f.orig).refcount -= 1;
          ctxOf(d, f.new).refcount -= 1;
        }
        tearDownChild(d, t);
        ret(d, t, 'ENOMEM');
      },
    },
  },
};

/** For variant fork-fail-sends-event (#13): the failure path delivers the FORK events as on success. */
export function failSendsEvent(): KernelFn['steps'][string] {
  return {
    doc: '(patched, before f64e67e5d3a4) dup_userfaultfd_complete(&uf) even though dup_mmap() failed; the child mm is torn down',
    local: true,
    run: (d, t) => {
      tearDownChild(d, t);
      goTo(d, t, 'dup_userfaultfd_complete');
    },
  };
}