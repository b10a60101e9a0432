/**
 * The mainline kernel model: every modelled kernel function by name.
 * A variant (model/variants.ts) is this table with some steps replaced.
 */
import type { Kernel, KernelFn } from './engine.js';
import { do_user_addr_fault } from './mm/fault.js';
import { hugetlb_fault } from './mm/hugetlb.js';
import { mfill_atomic } from './mm/mfill.js';
import { dup_mmap } from './mm/fork.js';
import { do_madvise } from './mm/madvise.js';
import { mremap } from './mm/mremap.js';
import { __vm_munmap, do_vmi_munmap, userfaultfd_unmap_complete } from './mm/munmap.js';
import { userfaultfd_event_wait_completion } from './uffd/event.js';
import { handle_userfault } from './uffd/handle_userfault.js';
import { userfaultfd_api, userfaultfd_copy, userfaultfd_register, userfaultfd_unregister, userfaultfd_wake, userfaultfd_writeprotect, userfaultfd_zeropage, userfaultfd_continue } from './uffd/ioctl.js';
import { userfaultfd_ctx_read, userfaultfd_read_iter } from './uffd/read.js';
import { userfaultfd_release } from './uffd/release.js';
import { wake_userfault } from './uffd/wake.js';

const fns: KernelFn[] = [
  do_user_addr_fault, hugetlb_fault, handle_userfault, wake_userfault,
  userfaultfd_read_iter, userfaultfd_ctx_read,
  userfaultfd_api, userfaultfd_register, userfaultfd_unregister, userfaultfd_wake, userfaultfd_copy, userfaultfd_zeropage, userfaultfd_continue, userfaultfd_writeprotect,
  mfill_atomic, userfaultfd_release,
  __vm_munmap, do_vmi_munmap, userfaultfd_unmap_complete, mremap, do_madvise, dup_mmap, userfaultfd_event_wait_completion,
];

export const mainlineKernel: Kernel = Object.fromEntries(fns.map(f => [f.name, f]));
