/**
 * check() and checkAsync(): the searches of CheckOptions.strategy. 'bfs' and
 * 'dfs' are checker/explore.ts's exhaustive searches; 'random' is the swarm
 * of checker/walk.ts run in this thread (the same walks, counts and
 * counterexample as `walkSearch` with the same seed, walks and bounds).
 */
import { exhaustiveSearch, runAsync, runSync, type CheckOptions, type CheckResult } from './explore.js';
import type { Model } from './model.js';
import { walkSwarm } from './walk.js';

/** Explores `model` and returns the verdict; stops at the first violation. */
export function check<S, A>(model: Model<S, A>, options: CheckOptions): CheckResult {
  return runSync(searchOf(model, options));
}

/** check(), yielding to the event loop every SLICE transitions (so signal handlers and timers run). */
export async function checkAsync<S, A>(model: Model<S, A>, options: CheckOptions): Promise<CheckResult> {
  return runAsync(searchOf(model, options));
}

/** The search of options.strategy, as a generator that pauses every SLICE transitions or so. */
function searchOf<S, A>(model: Model<S, A>, options: CheckOptions): Generator<void, CheckResult> {
  if (options.strategy !== 'random') return exhaustiveSearch(model, options);
  const { seed, walks, maxDepth, maxStates, symmetry, onProgress, shouldStop } = options;
  return walkSwarm(model, { strategy: 'random', seed, walks, maxDepth, maxStates, symmetry, onProgress, shouldStop });
}
