/**
 * A patch, written as a uffd-mc variant: "wake_userfault() need not look at
 * fault_pending_wqh, because a monitor always read()s a fault (moving it to
 * fault_wqh) before it resolves it".
 *
 *   npx uffd-mc check --variant examples/skip-pending-check.ts fault-and-monitor fault-vs-copy
 *   npx uffd-mc diff --base mainline --patched examples/skip-pending-check.ts fault-and-monitor fault-vs-copy
 *
 * The C patch it models (fs/userfaultfd.c, wake_userfault()):
 *
 *   -	need_wakeup = false;
 *   -	do {
 *   -		seq = read_seqcount_begin(&ctx->refile_seq);
 *   -		need_wakeup = waitqueue_active(&ctx->fault_pending_wqh) ||
 *   -			waitqueue_active(&ctx->fault_wqh);
 *   -		cond_resched();
 *   -	} while (read_seqcount_retry(&ctx->refile_seq, seq));
 *   +	need_wakeup = waitqueue_active(&ctx->fault_wqh);
 */
import type { Variant } from 'uffd-mc';
import { goTo } from 'uffd-mc';

const skipPendingCheck: Variant = {
  name: 'skip-pending-check',
  description: 'wake_userfault() checks only fault_wqh, not fault_pending_wqh',
  cites: 'my patch to fs/userfaultfd.c wake_userfault()',
  // base: 'no-refile-seq',   // a variant can build on another (a built-in name, or an imported variant)
  patches: [{
    fn: 'wake_userfault',
    replace: {
      // `uffd-mc steps wake_userfault` lists the steps of the function and what each does.
      'waitqueue_active(fault_pending_wqh)': {
        doc: '(patched) skip waitqueue_active(&ctx->fault_pending_wqh): go straight to fault_wqh',
        local: true, // reads and writes nothing shared: not a scheduling point
        run: (d, t) => goTo(d, t, 'waitqueue_active(fault_wqh)'),
      },
    },
  }],
};

export default skipPendingCheck;
