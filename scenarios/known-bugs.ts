/**
 * The known-bug corpus: real, fixed userfaultfd bugs (and design rules)
 * from ../shared/reference/known-bugs.md, plus the seed 001 dedup, each as a
 * pre-fix variant, its smallest scenario, and the property the pre-fix model
 * must violate while mainline (the fix) does not. `npm test`
 * (test/corpus.test.ts) checks both directions; `uffd-mc check --corpus`
 * prints the table.
 *
 * An entry the model cannot express yet says what it needs (`needs`): it is
 * listed as "not yet modelled", never as passing. To fill one in, add the
 * variant (model/variants.ts) and the scenario (scenarios/builtin.ts) and
 * replace `needs` with them.
 */

export interface ModelledEntry {
  /** The pre-fix variant (built-in name). */
  readonly variant: string;
  /** The smallest built-in scenario that shows the bug. */
  readonly scenario: string;
  /** The property the pre-fix variant must violate on it. */
  readonly property: string;
  /** The fixed variant, which must pass (default mainline). */
  readonly fixed?: string;
}

export interface CorpusEntry {
  /** The entry's number in known-bugs.md, or 'seed-001'. */
  readonly id: string;
  readonly title: string;
  /** Fixing commit (12 hex), 'v4.3 design' for a rule of the original series whose hash is not located, or 'synthetic'. */
  readonly commit: string;
  /** known-bugs.md scope: SC, SC+ (with the feature named), partial, out. */
  readonly scope: string;
  /** The global invariant of known-bugs.md it breaks (G1..G9) or the rule. */
  readonly invariant: string;
  readonly check: ModelledEntry | { readonly needs: string };
}

export const knownBugs: readonly CorpusEntry[] = [
  {
    id: '1', title: 'prevent non-cooperative events vs mcopy_atomic races', commit: 'df2cc96e7701', scope: 'SC', invariant: 'G1, G2',
    check: { variant: 'no-mmap-changing-check', scenario: 'fork-vs-copy', property: 'no-fill-during-event' },
  },
  {
    id: '2', title: 'change mmap_changing to atomic', commit: 'a759a909d42d', scope: 'SC', invariant: 'G2',
    check: { variant: 'mmap-changing-bool', scenario: 'remove-vs-copy', property: 'mmap-changing-balanced' },
  },
  {
    id: '5', title: 'avoid missing wakeups during refile in userfaultfd_read (refile_seq)', commit: '2c5b7e1be74f', scope: 'SC', invariant: 'G3',
    check: { variant: 'no-refile-seq', scenario: 'refile-race', property: 'no-lost-wakeup' },
  },
  {
    id: '6', title: 'must_wait re-check after queueing (UFFDIO_COPY|ZEROPAGE vs read race)', commit: 'v4.3 design', scope: 'SC', invariant: 'G3',
    check: { variant: 'no-must-wait-recheck', scenario: 'fault-vs-copy', property: 'no-lost-wakeup' },
  },
  {
    id: '10', title: 'hugetlb drops the fault mutex before handle_userfault', commit: '1a1aad8a9b7b', scope: 'SC', invariant: 'G8',
    check: { variant: 'hugetlb-userfault-holding-mutex', scenario: 'hugetlb-copy-vs-fault-same-index', property: 'no-sleep-holding-fault-mutex' },
  },
  {
    id: '11', title: 'clear vma->vm_userfaultfd_ctx (and the VM_UFFD_* flags) if UFFD_EVENT_FORK fails', commit: '0cbb4b4f4c44', scope: 'SC+', invariant: 'G5, G9',
    check: { variant: 'fork-release-keeps-ctx', scenario: 'fork-close-before-read', property: 'vma-ctx-coherent' },
  },
  {
    id: '13', title: 'fork: do not invoke uffd on fork if error occurs (CVE-2024-50220)', commit: 'f64e67e5d3a4', scope: 'SC', invariant: 'G2; FORK event iff fork succeeded',
    check: { variant: 'fork-fail-sends-event', scenario: 'fork-fails', property: 'fork-event-iff-success' },
  },
  {
    id: '16', title: 'fix SIGBUS resulting from false rwsem wakeups', commit: '15a77c6fe494', scope: 'SC+', invariant: 'spurious wakeup must not use up the retry',
    check: { variant: 'single-retry', scenario: 'spurious-wakeup', property: 'no-sigbus' },
  },
  {
    id: '17', title: 'UFFDIO_UNREGISTER wakes pending faults in the range', commit: '86039bd3b4e6', scope: 'SC', invariant: 'G3, G4',
    check: { variant: 'unregister-no-wake', scenario: 'unregister-while-waiting', property: 'no-lost-wakeup' },
  },
  {
    id: 'seed-001', title: 'has_unmap_ctx() dedup removed: one munmap over two VMAs of one uffd sends two UNMAP events', commit: 'synthetic', scope: 'SC', invariant: 'UNMAP exactly once',
    check: { variant: 'no-unmap-dedup', scenario: 'unmap-two-vmas-one-uffd', property: 'unmap-event-exactly-once' },
  },
];

export function isModelled(c: CorpusEntry['check']): c is ModelledEntry {
  return 'variant' in c;
}
