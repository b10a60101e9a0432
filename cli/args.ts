/**
 * Command-line parsing: a pure function from argv to a command (tested
 * table-style). Usage errors are UsageError (exit code 2).
 */
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `usage:
  uffd-mc check [SCENARIO ...] [--variant NAME|FILE] [--strategy bfs|dfs] [--max-depth N] [--max-states N] [--trace FILE] [--json] [--no-time]
  uffd-mc replay TRACE [--variant NAME|FILE]
  uffd-mc conform [CASE ...] [--variant NAME]
  uffd-mc list
  uffd-mc show SCENARIO
SCENARIO is a built-in name (see 'uffd-mc list') or a scenario JSON file; none means every built-in.
CASE is a conformance case (see 'uffd-mc list'); none means all: each runs on this machine's kernel and on the model.
Exit codes: 0 all properties hold (conform: all cases agree), 1 a violation (conform: a difference), 2 bad input or usage, 3 replay diverged.
`;

export type Command =
  | { verb: 'check'; scenarios: string[]; variant: string; strategy: 'bfs' | 'dfs'; maxDepth: number | null; maxStates: number | null; trace: string | null; json: boolean; time: boolean }
  | { verb: 'replay'; trace: string; variant: string | null }
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
        trace: { type: 'string' },
        json: { type: 'boolean' },
        'no-time': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, ''));
  }
  const { values: o, positionals } = parsed;
  const [verb, ...rest] = positionals;
  if (o.help === true || verb === 'help' || verb === undefined) return { verb: 'help' };
  const only = (allowed: readonly string[]): void => {
    for (const k of Object.keys(o)) {
      if (o[k as keyof typeof o] !== undefined && !allowed.includes(k)) throw new UsageError(`--${k} does not apply to '${verb}'`);
    }
  };
  switch (verb) {
    case 'check': {
      only(['variant', 'strategy', 'max-depth', 'max-states', 'trace', 'json', 'no-time']);
      const strategy = o.strategy ?? 'bfs';
      if (strategy !== 'bfs' && strategy !== 'dfs') throw new UsageError(`--strategy: expected bfs or dfs, got "${strategy}"`);
      const maxStates = count('max-states', o['max-states']);
      if (maxStates === 0) throw new UsageError('--max-states: expected at least 1');
      return {
        verb: 'check', scenarios: rest, variant: o.variant ?? 'mainline', strategy,
        maxDepth: count('max-depth', o['max-depth']), maxStates,
        trace: traceFile(o.trace), json: o.json === true, time: o['no-time'] !== true,
      };
    }
    case 'replay': {
      only(['variant']);
      if (rest.length !== 1) throw new UsageError(`replay takes exactly one TRACE file, got ${rest.length}`);
      return { verb: 'replay', trace: rest[0]!, variant: o.variant ?? null };
    }
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
      throw new UsageError(`unknown command "${verb}" (expected check, replay, conform, list or show)`);
  }
}
