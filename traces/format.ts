/**
 * The trace file format (uffd-mc-trace/1): a counterexample as a replayable
 * artifact. JSON, one object:
 *
 *   format     "uffd-mc-trace/1"
 *   tool       "uffd-mc <version>"
 *   kernel     the kernel version the mainline model follows ("v6.18")
 *   scenario   the scenario, embedded (validated again on load)
 *   variant    the variant name the trace was found on (a built-in name or the file given to --variant)
 *   strategy   "bfs" | "dfs" | "random" | "pct" (the search that found it)
 *   property   the violated property; message: its explanation
 *   steps      [{ choice, label }]: the action index taken at each step and its
 *              label "thread fn():label" (replay checks every label)
 *   final      64-bit fingerprint (16 hex) of the last state
 *   foldLocalSteps  optional, false only: found by the unreduced search
 *              (`check --fold-local off`), so each step is one kernel step;
 *              absent, a step is a transition with its local steps folded in
 *   por        optional, true only: found with the partial-order reduction
 *              (model/index.ts BuildOptions.por, the default of `check`), so
 *              a step also runs the local steps other threads can then take
 *              (a woken thread's return from schedule()); absent (traces from
 *              before it, or `check --por off`), a step is one thread's
 */
import { parseScenario } from '../model/scenario.js';
import type { Scenario } from '../model/scenario.js';

export const TRACE_FORMAT = 'uffd-mc-trace/1';

export interface TraceStep { choice: number; label: string }

export interface Trace {
  format: string;
  tool: string;
  kernel: string;
  scenario: Scenario;
  variant: string;
  strategy: 'bfs' | 'dfs' | 'random' | 'pct';
  property: string;
  message: string;
  steps: TraceStep[];
  final: string;
  /** false: recorded with every step its own transition (BuildOptions.fold = false); absent: folded. */
  foldLocalSteps?: false;
  /** true: recorded with the partial-order reduction (BuildOptions.por); absent: without it. */
  por?: true;
}

export class TraceError extends Error {
  override name = 'TraceError';
}

export function serializeTrace(t: Trace): string {
  return `${JSON.stringify(t, null, 2)}\n`;
}

/** Validate parsed JSON as a trace. Throws TraceError naming the field. */
export function parseTrace(input: unknown): Trace {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new TraceError(`${field}: expected ${expected}, got ${got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 80)}`);
  };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail('(top level)', 'a trace object', input);
  const o = input as { [k: string]: unknown };
  if (o['format'] !== TRACE_FORMAT) fail('format', `"${TRACE_FORMAT}"`, o['format']);
  for (const k of ['tool', 'kernel', 'variant', 'property', 'message', 'final'] as const) {
    if (typeof o[k] !== 'string') fail(k, 'a string', o[k]);
  }
  if (o['strategy'] !== 'bfs' && o['strategy'] !== 'dfs' && o['strategy'] !== 'random' && o['strategy'] !== 'pct') fail('strategy', '"bfs", "dfs", "random" or "pct"', o['strategy']);
  if (!/^[0-9a-f]{16}$/.test(o['final'] as string)) fail('final', '16 lowercase hex digits', o['final']);
  if (!Array.isArray(o['steps'])) fail('steps', 'an array', o['steps']);
  if (o['foldLocalSteps'] !== undefined && o['foldLocalSteps'] !== false) fail('foldLocalSteps', 'false or nothing', o['foldLocalSteps']);
  if (o['por'] !== undefined && o['por'] !== true) fail('por', 'true or nothing', o['por']);
  if (o['por'] === true && o['foldLocalSteps'] === false) fail('por', 'nothing with foldLocalSteps false (the reduction needs folded local steps)', o['por']);
  const steps = (o['steps'] as unknown[]).map((s, i) => {
    const so = s as { [k: string]: unknown };
    if (typeof s !== 'object' || s === null) fail(`steps[${i}]`, 'an object { choice, label }', s);
    if (!Number.isInteger(so['choice']) || (so['choice'] as number) < 0) fail(`steps[${i}].choice`, 'a non-negative integer', so['choice']);
    if (typeof so['label'] !== 'string') fail(`steps[${i}].label`, 'a string', so['label']);
    return { choice: so['choice'] as number, label: so['label'] as string };
  });
  let scenario: Scenario;
  try {
    scenario = parseScenario(o['scenario']);
  } catch (e) {
    throw new TraceError(`scenario.${(e as Error).message}`);
  }
  return {
    format: TRACE_FORMAT, tool: o['tool'] as string, kernel: o['kernel'] as string, scenario,
    variant: o['variant'] as string, strategy: o['strategy'] as 'bfs' | 'dfs' | 'random' | 'pct',
    property: o['property'] as string, message: o['message'] as string, steps, final: o['final'] as string,
    ...(o['foldLocalSteps'] === false ? { foldLocalSteps: false as const } : {}),
    ...(o['por'] === true ? { por: true as const } : {}),
  };
}
