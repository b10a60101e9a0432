/**
 * Command-line parsing: a pure function from argv to a command (tested
 * table-style). Usage errors are UsageError (exit code 2).
 */
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `usage:
  uffd-mc check [SCENARIO ...] [--variant NAME|FILE] [--strategy bfs|dfs|random|pct [--seed N] [--walks N] [--pct-depth D]] [--max-depth N] [--max-states N]
                [--symmetry on|off] [--fold-local on|off] [--por on|off] [--workers K] [--shard I/N] [--max-preemptions N] [--trace FILE] [--json] [--no-time]
  uffd-mc check --corpus
  uffd-mc replay TRACE [--variant NAME|FILE] [--format text|race|mermaid|html]
  uffd-mc diff --base NAME|FILE --patched NAME|FILE [SCENARIO ...] [--strategy bfs|dfs|random] [--max-depth N] [--max-states N] [--symmetry on|off]
  uffd-mc test-from-trace TRACE [--out FILE]
  uffd-mc steps [FUNCTION ...] [--variant NAME|FILE]
  uffd-mc conform [CASE ...] [--variant NAME]
  uffd-mc list
  uffd-mc show SCENARIO
SCENARIO is a built-in name (see 'uffd-mc list') or a scenario JSON file; none means every built-in.
NAME|FILE is a built-in variant or a variant file (.ts, .mjs, .js). --format (check: text|race|mermaid) renders the counterexample;
html writes one self-contained page (replay only: uffd-mc replay T --format html > cex.html). --summary adds a block for a cover letter.
--symmetry (default on) explores one state per permutation of interchangeable threads (same role, same ops): same verdicts, fewer states.
--fold-local off: every kernel step is a scheduling point (the unreduced search; default on folds steps that commute with every
other thread's into their neighbours): same verdicts, many more states; to check that the reduction hides nothing.
--por off: no partial-order reduction (default on: after each transition, every thread at a local step that can run, such as a
thread just woken, runs its local steps at once, as part of that transition): same verdicts, more states; --fold-local off implies it.
--strategy random: --walks N random walks (default 1000; each to a final state or --max-depth, default 10000) chosen by --seed N
(default 0; same seed, same walks); never COMPLETE: BOUNDED(random), or BOUNDED(max-states) when --max-states N stops the walks
(in walk order, at the first step that finds a state beyond N distinct ones: the same for any --workers K). Ctrl-C (SIGINT) stops a check with a partial report,
BOUNDED(interrupted), and exit code 130 if no violation was found.
--strategy pct: probabilistic concurrency testing, --walks N runs with random thread priorities and D-1 change points (--pct-depth D,
default 3); BOUNDED(pct). --workers K: K worker threads: a parallel BFS (same verdict, states, transitions and counterexample for
any K), or a swarm of random/pct walks (same output for any K). --shard I/N (random, pct): only the walks whose number is I mod N,
so N machines can share a swarm. --max-preemptions N (bfs): only schedules with at most N preemptions; BOUNDED(max-preemptions)
unless provably nothing was cut.
CASE is a conformance case (see 'uffd-mc list'); none means all: each runs on this machine's kernel and on the model.
Exit codes: 0 all properties hold (conform: all cases agree; diff: the patched variant is clean; --corpus: every modelled entry
found in both directions), 1 a violation (conform: a difference; diff: the patched variant violates a property or no longer
reaches a goal the base reached; --corpus: an entry failed), 2 bad input or usage, 3 replay diverged, 4 internal error, 130 interrupted (SIGINT).
`;

export type TraceFormat = 'text' | 'race' | 'mermaid' | 'html';

export type Command =
  | { verb: 'check'; scenarios: string[]; variant: string; strategy: StrategyName | 'pct'; maxDepth: number | null; maxStates: number | null; symmetry: boolean; seed?: number; walks?: number; trace: string | null; json: boolean; time: boolean; format?: TraceFormat; summary?: true; foldLocal?: false; por?: false } & SearchScale
  | { verb: 'corpus' }
  | { verb: 'replay'; trace: string; variant: string | null; format?: TraceFormat }
  | { verb: 'diff'; scenarios: string[]; base: string; patched: string; strategy: StrategyName; maxDepth: number | null; maxStates: number | null; symmetry: boolean; seed?: number; walks?: number }
  | { verb: 'test-from-trace'; trace: string; out: string | null }
  | { verb: 'steps'; fns: string[]; variant: string }
  | { verb: 'conform'; cases: string[]; variant: string }
  | { verb: 'list' }
  | { verb: 'show'; scenario: string }
  | { verb: 'help' };

function count(name: string, v: string | undefined): number | null {
  if (v === undefined) return null;
  if (!/^[0-9]+$/.test(v) || Number(v) > Number.MAX_SAFE_INTEGER) throw new UsageError(`--${name}: expected a non-negative whole number, got "${v}"`);
  return Number(v);
}

function traceFile(v: string | undefined): string | null {
  if (v === undefined) return null;
  if (v === '') throw new UsageError('--trace: expected a file name');
  return v;
}

/** Options of the patch-validation commands (diff, --corpus, --format, --summary, test-from-trace). */
const PATCH_OPTIONS = {
  corpus: { type: 'boolean' },
  summary: { type: 'boolean' },
  format: { type: 'string' },
  base: { type: 'string' },
  patched: { type: 'string' },
  out: { type: 'string' },
} as const;

interface ParsedValues { [k: string]: string | boolean | undefined }

function traceFormat(v: string | boolean | undefined): TraceFormat {
  if (v === undefined) return 'text';
  if (v === 'text' || v === 'race' || v === 'mermaid' || v === 'html') return v;
  throw new UsageError(`--format: expected text, race, mermaid or html, got "${String(v)}"`);
}

export type StrategyName = 'bfs' | 'dfs' | 'random';

/** check's options for big scenarios (absent when not given). */
export interface SearchScale {
  workers?: number;
  shard?: { index: number; count: number };
  maxPreemptions?: number;
  pctDepth?: number;
}

/** Most worker threads accepted (more than cores only costs memory and messages). */
export const MAX_WORKERS = 64;

/** --workers, --shard, --max-preemptions, --pct-depth: check only; validated against the strategy and the other bounds. */
function searchScale(o: ParsedValues, strategy: StrategyName | 'pct'): SearchScale {
  const workers = count('workers', o['workers'] as string | undefined);
  const maxPreemptions = count('max-preemptions', o['max-preemptions'] as string | undefined);
  const pctDepth = count('pct-depth', o['pct-depth'] as string | undefined);
  const shardText = o['shard'] as string | undefined;
  const walks = strategy === 'random' || strategy === 'pct';
  if (workers !== null) {
    if (workers < 1 || workers > MAX_WORKERS) throw new UsageError(`--workers: expected 1 to ${MAX_WORKERS}, got ${workers}`);
    if (strategy === 'dfs') throw new UsageError('--workers applies to --strategy bfs, random or pct (a DFS is sequential)');
  }
  let shard: SearchScale['shard'];
  if (shardText !== undefined) {
    const m = /^([0-9]+)\/([0-9]+)$/.exec(shardText);
    if (m === null) throw new UsageError(`--shard: expected I/N (e.g. 0/4), got "${shardText}"`);
    const index = Number(m[1]);
    const n = Number(m[2]);
    if (n < 1 || index >= n) throw new UsageError(`--shard: expected I/N with 0 <= I < N, got "${shardText}"`);
    if (!walks) throw new UsageError('--shard applies to --strategy random or pct (it splits the walks)');
    shard = { index, count: n };
  }
  if (pctDepth !== null) {
    if (strategy !== 'pct') throw new UsageError('--pct-depth applies only to --strategy pct');
    if (pctDepth < 1) throw new UsageError('--pct-depth: expected at least 1');
  }
  if (maxPreemptions !== null) {
    if (strategy !== 'bfs') throw new UsageError('--max-preemptions applies to --strategy bfs');
    if (workers !== null) throw new UsageError('--max-preemptions is a sequential search: it does not combine with --workers');
    if (o['max-depth'] !== undefined) throw new UsageError('--max-preemptions does not combine with --max-depth');
  }
  return {
    ...(workers !== null ? { workers } : {}), ...(shard !== undefined ? { shard } : {}),
    ...(maxPreemptions !== null ? { maxPreemptions } : {}), ...(pctDepth !== null ? { pctDepth } : {}),
  };
}

/** --strategy, --max-depth, --max-states, --symmetry (and with random, --seed and --walks), shared by check and diff. */
function bounds(o: ParsedValues): { strategy: StrategyName | 'pct'; maxDepth: number | null; maxStates: number | null; symmetry: boolean; seed?: number; walks?: number } {
  const strategy = o['strategy'] ?? 'bfs';
  if (strategy !== 'bfs' && strategy !== 'dfs' && strategy !== 'random' && strategy !== 'pct') throw new UsageError(`--strategy: expected bfs, dfs, random or pct, got "${String(strategy)}"`);
  const seed = count('seed', o['seed'] as string | undefined);
  const walks = count('walks', o['walks'] as string | undefined);
  if (strategy !== 'random' && strategy !== 'pct' && (seed !== null || walks !== null)) throw new UsageError(`--${seed !== null ? 'seed' : 'walks'} applies only to --strategy random or pct`);
  if (walks === 0) throw new UsageError('--walks: expected at least 1');
  const maxStates = count('max-states', o['max-states'] as string | undefined);
  if (maxStates === 0) throw new UsageError('--max-states: expected at least 1');
  const symmetry = o['symmetry'] ?? 'on';
  if (symmetry !== 'on' && symmetry !== 'off') throw new UsageError(`--symmetry: expected on or off, got "${String(symmetry)}"`);
  return {
    strategy, maxDepth: count('max-depth', o['max-depth'] as string | undefined), maxStates, symmetry: symmetry === 'on',
    ...(seed !== null ? { seed } : {}), ...(walks !== null ? { walks } : {}),
  };
}

function diffCommand(o: ParsedValues, rest: string[]): Command {
  for (const k of Object.keys(o)) {
    if (o[k] !== undefined && !['base', 'patched', 'strategy', 'max-depth', 'max-states', 'symmetry', 'seed', 'walks'].includes(k)) throw new UsageError(`--${k} does not apply to 'diff'`);
  }
  const base = o['base'];
  const patched = o['patched'];
  if (typeof base !== 'string' || base === '') throw new UsageError('diff needs --base NAME|FILE (the variant before the patch, e.g. mainline)');
  if (typeof patched !== 'string' || patched === '') throw new UsageError('diff needs --patched NAME|FILE (the variant with the patch)');
  const b = bounds(o);
  if (b.strategy === 'pct') throw new UsageError("--strategy pct applies to 'check' (diff explores with bfs, dfs or random)");
  return { verb: 'diff', scenarios: rest, base, patched, ...b, strategy: b.strategy };
}

export function toCommand(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        variant: { type: 'string' },
        strategy: { type: 'string' },
        'max-depth': { type: 'string' },
        'max-states': { type: 'string' },
        symmetry: { type: 'string' },
        'fold-local': { type: 'string' },
        por: { type: 'string' },
        seed: { type: 'string' },
        walks: { type: 'string' },
        'pct-depth': { type: 'string' },
        workers: { type: 'string' },
        shard: { type: 'string' },
        'max-preemptions': { type: 'string' },
        trace: { type: 'string' },
        json: { type: 'boolean' },
        'no-time': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        ...PATCH_OPTIONS,
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, ''));
  }
  const { values: o, positionals } = parsed;
  const [verb, ...rest] = positionals;
  if (o.help === true || verb === 'help' || verb === undefined) return { verb: 'help' };
  const only = (allowed: readonly string[], what: string = verb): void => {
    for (const k of Object.keys(o)) {
      if (o[k as keyof typeof o] !== undefined && !allowed.includes(k)) throw new UsageError(`--${k} does not apply to '${what}'`);
    }
  };
  switch (verb) {
    case 'check': {
      if (o.corpus === true) {
        only(['corpus'], 'check --corpus');
        if (rest.length > 0) throw new UsageError(`check --corpus takes no SCENARIO, got "${rest.join(' ')}"`);
        return { verb: 'corpus' };
      }
      only(['variant', 'strategy', 'max-depth', 'max-states', 'symmetry', 'fold-local', 'por', 'seed', 'walks', 'pct-depth', 'workers', 'shard', 'max-preemptions', 'trace', 'json', 'no-time', 'format', 'summary']);
      const fold = o['fold-local'] ?? 'on';
      if (fold !== 'on' && fold !== 'off') throw new UsageError(`--fold-local: expected on or off, got "${fold}"`);
      const por = o.por ?? 'on';
      if (por !== 'on' && por !== 'off') throw new UsageError(`--por: expected on or off, got "${por}"`);
      if (por === 'on' && o.por !== undefined && fold === 'off') throw new UsageError('--por on needs folded local steps: it does not combine with --fold-local off');
      const format = traceFormat(o.format);
      if (o.summary === true && o.json === true) throw new UsageError('--summary is a text block for a cover letter; it does not combine with --json');
      if (format === 'html') throw new UsageError('--format html: check prints to a terminal; write the trace with --trace T, then: uffd-mc replay T --format html > cex.html');
      const b = bounds(o);
      return {
        verb: 'check', scenarios: rest, variant: o.variant ?? 'mainline', ...b, ...searchScale(o, b.strategy),
        trace: traceFile(o.trace), json: o.json === true, time: o['no-time'] !== true,
        ...(o.format !== undefined ? { format } : {}), ...(o.summary === true ? { summary: true as const } : {}),
        ...(fold === 'off' ? { foldLocal: false as const } : {}),
        ...(por === 'off' ? { por: false as const } : {}),
      };
    }
    case 'replay': {
      only(['variant', 'format']);
      if (rest.length !== 1) throw new UsageError(`replay takes exactly one TRACE file, got ${rest.length}`);
      return { verb: 'replay', trace: rest[0]!, variant: o.variant ?? null, ...(o.format !== undefined ? { format: traceFormat(o.format) } : {}) };
    }
    case 'diff': return diffCommand(o, rest);
    case 'test-from-trace': {
      only(['out']);
      if (rest.length !== 1) throw new UsageError(`test-from-trace takes exactly one TRACE file, got ${rest.length}`);
      if (o.out === '') throw new UsageError('--out: expected a file name');
      return { verb: 'test-from-trace', trace: rest[0]!, out: o.out ?? null };
    }
    case 'steps':
      only(['variant']);
      return { verb: 'steps', fns: rest, variant: o.variant ?? 'mainline' };
    case 'conform':
      only(['variant']);
      return { verb: 'conform', cases: rest, variant: o.variant ?? 'mainline' };
    case 'list':
      only([]);
      if (rest.length > 0) throw new UsageError(`list takes no arguments, got "${rest.join(' ')}"`);
      return { verb: 'list' };
    case 'show':
      only([]);
      if (rest.length !== 1) throw new UsageError('show takes exactly one SCENARIO name');
      return { verb: 'show', scenario: rest[0]! };
    default:
      throw new UsageError(`unknown command "${verb}" (expected check, replay, diff, test-from-trace, steps, conform, list or show)`);
  }
}
