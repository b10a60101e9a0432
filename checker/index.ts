/** Public API of the checker: generic over Model<S, A>, nothing userfaultfd-specific. */

export type {
  AlwaysProperty,
  Model,
  Property,
  SometimesProperty,
  TerminalProperty,
} from './model.js';
export { CheckerBug } from './errors.js';
export { fingerprint64, hash64 } from './hash.js';
export { check, checkAsync } from './check.js';
export {
  PROGRESS_INTERVAL,
  SLICE,
  type Bound,
  type CheckOptions,
  type CheckResult,
  type Goal,
  type Progress,
  type Strategy,
  type Violation,
} from './explore.js';
export type { StateViolation } from './properties.js';
export {
  assertDeterministic,
  replayChoices,
  type ReplayDivergence,
  type ReplayResult,
  type ReplayStep,
  type ReplayViolation,
} from './replay.js';
export { parallelBfs, type ParallelOptions } from './parallel.js';
export { preemptionSearch, type PreemptionOptions } from './preemption.js';
export { shardWalks, walkSearch, walkSearchParallel, type Shard, type WalkOptions, type WalkStrategy } from './walk.js';
export type { ModelSpec } from './pool.js';
export { porEstimate, type FirstViolation, type Fixing, type PorEstimate, type PorEstimateOptions, type SearchCount } from './independence.js';
