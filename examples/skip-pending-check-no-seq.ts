/**
 * Variants compose: this one builds on the patch in ./skip-pending-check.ts
 * (imported, so it is a file, not a built-in name) and also drops the
 * refile_seq retry loop, reusing the built-in no-refile-seq's steps.
 *
 *   npx uffd-mc check --variant examples/skip-pending-check-no-seq.ts fault-vs-copy
 */
import type { Variant } from 'uffd-mc';
import { findVariant } from 'uffd-mc';
import skipPendingCheck from './skip-pending-check.ts';

const noRefileSeq = findVariant('no-refile-seq')!;

const variant: Variant = {
  name: 'skip-pending-check+no-refile-seq',
  description: 'skip-pending-check, and wake_userfault() without the refile_seq retry loop',
  cites: 'my patch, on top of skip-pending-check',
  base: skipPendingCheck,
  patches: noRefileSeq.patches,
};

export default variant;
