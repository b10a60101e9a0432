/**
 * Variants: named, documented patches of the kernel model. A variant replaces
 * (or adds) steps of kernel functions, the way a C patch changes them, and may
 * build on another variant. `mainline` is the unpatched model.
 *
 * Applying a patch that names a function or step that does not exist is an
 * error (VariantError), never a silent no-op.
 */
import type { Kernel, KernelFn, Step } from './engine.js';
import { goTo, local, ret, setLocal, top } from './engine.js';
import { callHandleUserfault, fault_mutex_unlock } from './mm/hugetlb.js';
import { mainlineKernel } from './kernel.js';
import { set_current_state } from './kernel/sched.js';
import { mmap_read_unlock } from './kernel/rwsem.js';
import { failSendsEvent } from './mm/fork.js';
import { mapChangingLockSteps, mfillPteStep } from './mm/mfill.js';
import { checkPrepVmaStep } from './mm/mremap.js';
import { unmapPrepStep } from './mm/munmap.js';
import { closeEvent, releaseNewCtxStep } from './uffd/event.js';
import { setUffd } from './mm/vma.js';

export interface Patch {
  /** Kernel function to patch. */
  readonly fn: string;
  /** Steps replaced: each label must exist in the function. */
  readonly replace?: { readonly [label: string]: Step };
  /** Steps added: each label must not exist yet. */
  readonly add?: { readonly [label: string]: Step };
}

export interface Variant {
  readonly name: string;
  /** One line: what the patch changes. */
  readonly description: string;
  /** The kernel history it reproduces (commit, file), or 'hypothetical'. */
  readonly cites: string;
  /**
   * Variant this one builds on ('mainline' if absent): a built-in's name, or
   * the variant object itself (a variant file imports the file it builds on).
   */
  readonly base?: string | Variant;
  readonly patches: readonly Patch[];
  /** A built-in scenario where the variant's bug shows, and the property it violates. */
  readonly demonstrates?: { readonly scenario: string; readonly property: string };
  /**
   * For a variant that is not a bug but another kernel version's rule: the
   * versions it follows. Such a variant changes results (errnos), not verdicts.
   */
  readonly olderKernel?: string;
}

export class VariantError extends Error {
  override name = 'VariantError';
}

/** Apply `patches` to `k`, checking every name. */
export function applyPatches(k: Kernel, variant: string, patches: readonly Patch[]): Kernel {
  const out: { [fn: string]: KernelFn } = { ...k };
  for (const p of patches) {
    const f = out[p.fn];
    if (f === undefined) {
      throw new VariantError(`variant ${variant}: patches ${p.fn}(), which the model does not have (functions: ${Object.keys(out).sort().join(', ')})`);
    }
    const steps: { [label: string]: Step } = { ...f.steps };
    for (const [label, st] of Object.entries(p.replace ?? {})) {
      if (steps[label] === undefined) {
        throw new VariantError(`variant ${variant}: replaces step "${label}" of ${p.fn}(), which has no such step (steps: ${Object.keys(f.steps).join(', ')})`);
      }
      steps[label] = st;
    }
    for (const [label, st] of Object.entries(p.add ?? {})) {
      if (steps[label] !== undefined) throw new VariantError(`variant ${variant}: adds step "${label}" to ${p.fn}(), which already has it (use replace)`);
      steps[label] = st;
    }
    out[p.fn] = { ...f, steps };
  }
  return out;
}

function step(fn: string, label: string): Step {
  const s = mainlineKernel[fn]?.steps[label];
  if (s === undefined) throw new VariantError(`[model bug] variants refer to ${fn}():${label}, which mainline lacks`);
  return s;
}

export const builtinVariants: readonly Variant[] = [
  {
    name: 'mainline',
    description: 'the kernel as of v6.18 (no patch)',
    cites: 'fs/userfaultfd.c, mm/userfaultfd.c @ v6.18',
    patches: [],
  },
  {
    name: 'no-refile-seq',
    description: 'wake_userfault() checks the two fault queues without the refile_seq retry loop',
    cites: 'reverts 2c5b7e1be74f "userfaultfd: avoid missing wakeups during refile in userfaultfd_read" (v4.3)',
    patches: [{
      fn: 'wake_userfault',
      replace: {
        read_seqcount_begin: {
          doc: '(patched) no read_seqcount_begin(): go straight to the lockless checks',
          run: (d, t) => goTo(d, t, 'waitqueue_active(fault_pending_wqh)'),
          local: true,
        },
        read_seqcount_retry: {
          doc: '(patched) no read_seqcount_retry(): trust the lockless checks',
          local: true,
          run: (d, t) => {
            if (local<boolean>(d, t, 'need_wakeup')) goTo(d, t, '__wake_userfault');
            else ret(d, t, null);
          },
        },
      },
    }],
    demonstrates: { scenario: 'wake-reference', property: 'no-lost-wakeup' },
  },
  {
    name: 'state-after-check',
    description: 'handle_userfault() sets the task state after the userfaultfd_must_wait() check instead of before it',
    cites: 'hypothetical reordering; the rule is the comment above set_current_state() in handle_userfault()',
    patches: [{
      fn: 'handle_userfault',
      replace: {
        queue: {
          doc: '(patched) spin_lock; __add_wait_queue(); spin_unlock — no set_current_state() yet',
          guard: step('handle_userfault', 'queue').guard!,
          waitsFor: step('handle_userfault', 'queue').waitsFor!,
          run: (d, t, k) => {
            step('handle_userfault', 'queue').run(d, t, k);
            set_current_state(d, t, 'RUNNING');
          },
        },
        must_wait: {
          doc: '(patched) must_wait = userfaultfd_must_wait(), then set_current_state(TASK_INTERRUPTIBLE)',
          run: (d, t, k) => {
            step('handle_userfault', 'must_wait').run(d, t, k);
            goTo(d, t, 'set_current_state');
          },
        },
      },
      add: {
        set_current_state: {
          doc: '(patched) set_current_state(TASK_INTERRUPTIBLE), after the check',
          run: (d, t) => {
            set_current_state(d, t, 'INTERRUPTIBLE');
            goTo(d, t, 'release_fault_lock');
          },
        },
      },
    }],
    demonstrates: { scenario: 'fault-vs-copy', property: 'no-lost-wakeup' },
  },
  {
    name: 'no-must-wait-recheck',
    description: 'handle_userfault() sleeps without re-checking the page tables after queueing (must_wait always true)',
    cites: 'reverts the original series\' "solve the race between UFFDIO_COPY|ZEROPAGE and read" design (v4.3)',
    patches: [{
      fn: 'handle_userfault',
      replace: {
        must_wait: {
          doc: '(patched) must_wait = true: no userfaultfd_must_wait() re-check',
          local: true,
          run: (d, t) => {
            setLocal(d, t, 'must_wait', true);
            goTo(d, t, 'release_fault_lock');
          },
        },
      },
    }],
    demonstrates: { scenario: 'fault-vs-copy', property: 'no-lost-wakeup' },
  },
  {
    name: 'unregister-no-wake',
    description: 'UFFDIO_UNREGISTER clears the registration without waking the faults waiting in the range',
    cites: 'reverts the wake_userfault() call in userfaultfd_unregister() (86039bd3b4e6, v4.3)',
    patches: [{
      fn: 'userfaultfd_unregister',
      replace: {
        userfaultfd_missing: {
          doc: '(patched) no wake_userfault(): clear every registered VMA in range, then unlock',
          local: true,
          run: (d, t) => {
            for (const cur of local<{ start: number; end: number }[]>(d, t, 'todo')) setUffd(d, cur.start, cur.end, null, []);
            setLocal(d, t, 'todo', []);
            goTo(d, t, 'mmap_write_unlock');
          },
        },
      },
    }],
    demonstrates: { scenario: 'unregister-while-waiting', property: 'no-lost-wakeup' },
  },
  {
    name: 'no-unmap-dedup',
    description: 'userfaultfd_unmap_prep() queues an entry per VMA without has_unmap_ctx(): a ctx with several VMAs in the range gets several UNMAP events',
    cites: 'hypothetical: drops has_unmap_ctx() (fs/userfaultfd.c, since the UNMAP event was added in dcfa9256a1ab, v4.11)',
    patches: [{
      fn: 'do_vmi_munmap',
      replace: { userfaultfd_unmap_prep: unmapPrepStep(false) },
    }],
    demonstrates: { scenario: 'unmap-two-vmas-one-uffd', property: 'unmap-event-exactly-once' },
  },
  {
    name: 'mmap-changing-bool',
    description: 'mmap_changing is a bool: the end of any event writes false, even while another event of the ctx is still unread',
    cites: 'reverts a759a909d42d "userfaultfd: change mmap_changing to atomic" (v5.15): WRITE_ONCE(ctx->mmap_changing, false) in userfaultfd_event_wait_completion()',
    patches: [{
      fn: 'userfaultfd_event_wait_completion',
      replace: {
        'atomic_dec(mmap_changing)': {
          doc: '(patched) out: WRITE_ONCE(ctx->mmap_changing, false); userfaultfd_ctx_put(ctx)',
          run: (d, t) => {
            const c = d.uffd[local<number>(d, t, 'ctx')]!;
            c.mmap_changing = 0; // preps still write true (+1 here: the same for every != 0 test)
            closeEvent(d, local<number>(d, t, 'id'));
            c.refcount -= 1;
            ret(d, t, null);
          },
        },
      },
    }],
    demonstrates: { scenario: 'remove-vs-copy', property: 'mmap-changing-balanced' },
  },
  {
    name: 'no-recheck-under-lock',
    description: 'mfill_atomic() does not re-check mmap_changing under the lock: only the lockless check at ioctl entry remains',
    cites: 'reverts the mfill_atomic() half of df2cc96e7701 "userfaultfd: prevent non-cooperative events vs mcopy_atomic races" (v4.18)',
    patches: [{ fn: 'mfill_atomic', replace: mapChangingLockSteps(false) }],
    demonstrates: { scenario: 'copy-vs-dontunmap', property: 'no-fill-during-event' },
  },
  {
    name: 'no-mmap-changing-check',
    description: 'the fill ioctls ignore mmap_changing altogether: no check at UFFDIO_COPY/ZEROPAGE entry, none in mfill_atomic()',
    cites: 'the kernel before df2cc96e7701 "userfaultfd: prevent non-cooperative events vs mcopy_atomic races" (v4.18)',
    base: 'no-recheck-under-lock',
    patches: (['userfaultfd_copy', 'userfaultfd_zeropage'] as const).map(fn => ({
      fn,
      replace: {
        'atomic_read(mmap_changing)': {
          doc: '(patched) no mmap_changing check: straight to mfill_atomic()',
          // Local when mainline's is: the entry still records the ghost list of events in flight
          // (`seen`, for no-fill-during-event), which only a ctx with event features can change.
          local: step(fn, 'atomic_read(mmap_changing)').local ?? false,
          run: (d, t, k) => {
            const c = d.uffd[local<number>(d, t, 'ctx')]!;
            const saved = c.mmap_changing;
            c.mmap_changing = 0; // run mainline's entry step as if nothing were pending...
            step(fn, 'atomic_read(mmap_changing)').run(d, t, k);
            c.mmap_changing = saved; // ...and put the counter back: only the check is skipped
          },
        },
      },
    })),
    demonstrates: { scenario: 'fork-vs-copy', property: 'no-fill-during-event' },
  },
  {
    name: 'fork-release-keeps-ctx',
    description: 'a FORK event aborted by the release of the parent uffd frees the new ctx but leaves the child VMAs pointing at it',
    cites: 'the kernel before 0cbb4b4f4c44 "userfaultfd: clear the vma->vm_userfaultfd_ctx if UFFD_EVENT_FORK fails" (v4.15)',
    patches: [{ fn: 'userfaultfd_event_wait_completion', replace: { release_new_ctx: releaseNewCtxStep('keep-ctx') } }],
    demonstrates: { scenario: 'fork-close-before-read', property: 'vma-ctx-coherent' },
  },
  {
    name: 'fork-release-keeps-flags',
    description: 'the aborted FORK clears the child VMAs\' vm_userfaultfd_ctx but not their VM_UFFD_* flags',
    cites: 'the kernel between 0cbb4b4f4c44 (v4.15) and "userfaultfd: remove uffd flags from vma->vm_flags if UFFD_EVENT_FORK fails" (v4.18)',
    patches: [{ fn: 'userfaultfd_event_wait_completion', replace: { release_new_ctx: releaseNewCtxStep('keep-flags') } }],
    demonstrates: { scenario: 'fork-close-before-read', property: 'vma-ctx-coherent' },
  },
  {
    name: 'fork-fail-sends-event',
    description: 'dup_mmap() calls dup_userfaultfd_complete() even when it failed: the monitor gets a FORK event and a uffd for a child being torn down',
    cites: 'the kernel before f64e67e5d3a4 "fork: do not invoke uffd on fork if error occurs" (v6.12, CVE-2024-50220)',
    patches: [{ fn: 'dup_mmap', replace: { dup_userfaultfd_fail: failSendsEvent() } }],
    demonstrates: { scenario: 'fork-fails', property: 'fork-event-iff-success' },
  },
  {
    name: 'single-retry',
    description: 'a fault may be retried once: the retry runs without FAULT_FLAG_ALLOW_RETRY, and handle_userfault() then returns VM_FAULT_SIGBUS instead of waiting, so a wakeup that did not come from a uffd wake (spurious) ends in SIGBUS',
    cites: 'the kernel before 15a77c6fe494 "userfaultfd: fix SIGBUS resulting from false rwsem wakeups" (v4.10; retries became unlimited with 4064b9827063, v5.7)',
    patches: [{
      fn: 'handle_userfault',
      replace: {
        released: {
          doc: '(patched) if (!(vmf->flags & FAULT_FLAG_ALLOW_RETRY)) -> VM_FAULT_SIGBUS (a retried fault has FAULT_FLAG_TRIED and no ALLOW_RETRY); else as mainline',
          run: (d, t, k) => {
            if (local<boolean>(d, t, 'tried')) {
              mmap_read_unlock(d, t);
              ret(d, t, 'VM_FAULT_SIGBUS');
              return;
            }
            step('handle_userfault', 'released').run(d, t, k);
          },
        },
      },
    }],
    demonstrates: { scenario: 'spurious-wakeup', property: 'no-sigbus' },
  },
  {
    name: 'continue-private-writable',
    description: 'UFFDIO_CONTINUE on a MAP_PRIVATE shmem mapping maps the page-cache folio writable (drops "if (page_in_cache && !vm_shared) writable = false"): a write then changes the file instead of CoWing',
    cites: 'hypothetical; the rule is in seed 004 ("For CONTINUE on a non-shared VMA, don\'t set VM_WRITE for CoW") and mm/userfaultfd.c: mfill_atomic_install_pte()',
    patches: [{ fn: 'mfill_atomic', replace: { ...mapChangingLockSteps(true, false), mfill_atomic_pte: mfillPteStep(false) } }],
    demonstrates: { scenario: 'private-continue-cow', property: 'private-file-pte-readonly' },
  },
  {
    name: 'hugetlb-userfault-holding-mutex',
    description: 'hugetlb_handle_userfault() calls handle_userfault() with hugetlb_fault_mutex_table[hash] still held (only the vma lock dropped) and drops the mutex when it returns: a fill of the same or a colliding huge page waits for the mutex while the fault waits for the fill',
    cites: 'hypothetical pre-1a1aad8a9b7b "userfaultfd: hugetlbfs: add userfaultfd hugetlb hook" (v4.11), whose hook drops the mutex first; known-bugs #10, G8',
    patches: [{
      fn: 'hugetlb_fault',
      replace: {
        hugetlb_handle_userfault: {
          doc: '(patched) hugetlb_vma_unlock_read(vma); handle_userfault(vmf, reason) with the fault mutex still held',
          run: (d, t, k) => {
            setLocal(d, t, 'vma_lock', false);
            callHandleUserfault(d, t, k);
          },
        },
        return: {
          doc: '(patched) mutex_unlock(&hugetlb_fault_mutex_table[hash]) after handle_userfault() returned; return its result',
          run: (d, t) => {
            fault_mutex_unlock(d, t, local<number>(d, t, 'hash'));
            ret(d, t, top(d, t).rv);
          },
        },
      },
    }],
    demonstrates: { scenario: 'hugetlb-copy-vs-fault-same-index', property: 'no-sleep-holding-fault-mutex' },
  },
  {
    name: 'dontunmap-anon-only',
    description: 'MREMAP_DONTUNMAP is refused (-EINVAL) unless the VMA is private anonymous, as when it was introduced (seed 003); later kernels accept any mapping',
    cites: 'e346b3813067 "mm/mremap: add MREMAP_DONTUNMAP to mremap()" (v5.7), vma_to_resize(); relaxed by a4609387859f (v5.13)',
    patches: [{ fn: 'mremap', replace: { check_prep_vma: checkPrepVmaStep(true) } }],
    olderKernel: 'v5.7 to v5.12',
  },
];

export function findVariant(name: string): Variant | undefined {
  return builtinVariants.find(v => v.name === name);
}

/** The kernel table of a variant, following its `base` chain. */
export function kernelFor(v: Variant, lookup: (name: string) => Variant | undefined = findVariant, seen: readonly string[] = []): Kernel {
  if (seen.includes(v.name)) throw new VariantError(`variant ${v.name}: its base chain loops (${[...seen, v.name].join(' -> ')})`);
  let k: Kernel = mainlineKernel;
  if (v.base !== undefined && v.base !== 'mainline') {
    const b = typeof v.base === 'string' ? lookup(v.base) : v.base;
    if (b === undefined) throw new VariantError(`variant ${v.name}: base variant "${String(v.base)}" does not exist`);
    k = kernelFor(b, lookup, [...seen, v.name]);
  }
  return applyPatches(k, v.name, v.patches);
}
