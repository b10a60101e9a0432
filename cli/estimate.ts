/**
 * The "estimated total" of a breadth-first search's progress line.
 *
 * Between two progress reports the search expanded (states - queue) grew by
 * E and discovered D new states: each expanded state yielded r = D / E new
 * ones. If that ratio stays, the states still queued yield
 * queue * (r + r^2 + ...) = queue * r / (1 - r) more. While r is near or
 * above 1 the state space is still widening and nothing honest can be said:
 * the estimate is null. It is a guess for a person watching a long run; it
 * reaches no verdict and no output that `--no-time` keeps.
 */

export interface Sample {
  states: number;
  /** States discovered and not yet expanded (the BFS queue). */
  frontier: number;
}

/** Above this branching ratio the search is taken to be still widening. */
const WIDENING = 0.95;

export function estimateTotal(before: Sample, now: Sample): number | null {
  const expanded = (now.states - now.frontier) - (before.states - before.frontier);
  if (expanded <= 0) return null;
  const r = (now.states - before.states) / expanded;
  if (r >= WIDENING) return null;
  return Math.round(now.states + (now.frontier * r) / (1 - r));
}

/** Two significant digits, so the line does not pretend to more precision than a guess has. */
export function roughly(n: number): string {
  if (n < 100) return String(n);
  const digits = Math.floor(Math.log10(n)) - 1;
  const unit = 10 ** digits;
  return String(Math.round(n / unit) * unit);
}
