/**
 * toCommand(): argv -> command, table-style. Expected values follow the
 * usage contract: `check [SCENARIO ...] [--variant NAME|FILE] [--strategy bfs|dfs]
 * [--max-depth N] [--max-states N] [--trace FILE] [--json] [--no-time]`,
 * `replay TRACE [--variant NAME|FILE]`, `list`, `show SCENARIO`.
 */
import test from 'ava';
import { toCommand, UsageError, USAGE } from '../cli/args.js';
import type { Command } from '../cli/args.js';

const checkDefaults: Extract<Command, { verb: 'check' }> = {
  verb: 'check', scenarios: [], variant: 'mainline', strategy: 'bfs',
  maxDepth: null, maxStates: null, symmetry: true, trace: null, json: false, time: true,
};

const ok: [string, string[], Command][] = [
  ['check: defaults (bfs, mainline, no bounds, no trace, text, timed)', ['check'], { ...checkDefaults, scenarios: [] }],
  ['check: scenario names are kept in order', ['check', 'b', 'a', 'x.json'], { ...checkDefaults, scenarios: ['b', 'a', 'x.json'] }],
  ['check --variant NAME', ['check', 'fault-vs-copy', '--variant', 'state-after-check'], { ...checkDefaults, scenarios: ['fault-vs-copy'], variant: 'state-after-check' }],
  ['check --variant=FILE', ['check', '--variant=./v.mjs'], { ...checkDefaults, variant: './v.mjs' }],
  ['check --strategy dfs', ['check', '--strategy', 'dfs'], { ...checkDefaults, strategy: 'dfs' }],
  ['check --strategy bfs', ['check', '--strategy', 'bfs'], { ...checkDefaults, strategy: 'bfs' }],
  ['check --max-depth N', ['check', '--max-depth', '12'], { ...checkDefaults, maxDepth: 12 }],
  ['check --max-depth 0', ['check', '--max-depth', '0'], { ...checkDefaults, maxDepth: 0 }],
  ['check --max-states N', ['check', '--max-states', '5000'], { ...checkDefaults, maxStates: 5000 }],
  ['check --symmetry off', ['check', '--symmetry', 'off'], { ...checkDefaults, symmetry: false }],
  ['check --symmetry on', ['check', '--symmetry=on'], { ...checkDefaults, symmetry: true }],
  ['check --strategy random --seed N --walks N', ['check', '--strategy', 'random', '--seed', '42', '--walks', '10'], { ...checkDefaults, strategy: 'random', seed: 42, walks: 10 }],
  ['check --strategy random (default seed and walks)', ['check', '--strategy', 'random'], { ...checkDefaults, strategy: 'random' }],
  ['check --workers K (parallel bfs)', ['check', '--workers', '2'], { ...checkDefaults, workers: 2 }],
  ['check --strategy pct --seed --walks --pct-depth --workers --shard', ['check', '--strategy', 'pct', '--seed', '3', '--walks', '50', '--pct-depth', '2', '--workers', '2', '--shard', '1/4'],
    { ...checkDefaults, strategy: 'pct', seed: 3, walks: 50, pctDepth: 2, workers: 2, shard: { index: 1, count: 4 } }],
  ['check --strategy random --shard 0/1', ['check', '--strategy', 'random', '--shard', '0/1'], { ...checkDefaults, strategy: 'random', shard: { index: 0, count: 1 } }],
  // walk.ts's merger applies the state limit in walk order, so it bounds any swarm, over any number of workers.
  ['check --strategy random --max-states --workers', ['check', '--strategy', 'random', '--max-states', '9', '--workers', '2'], { ...checkDefaults, strategy: 'random', maxStates: 9, workers: 2 }],
  ['check --strategy pct --max-states --shard', ['check', '--strategy', 'pct', '--max-states', '9', '--shard', '0/2'], { ...checkDefaults, strategy: 'pct', maxStates: 9, shard: { index: 0, count: 2 } }],
  ['check --max-preemptions N', ['check', '--max-preemptions', '2'], { ...checkDefaults, maxPreemptions: 2 }],
  ['check --trace FILE', ['check', '--trace', 'out/t.json'], { ...checkDefaults, trace: 'out/t.json' }],
  ['check --json', ['check', '--json'], { ...checkDefaults, json: true }],
  ['check --no-time', ['check', '--no-time'], { ...checkDefaults, time: false }],
  ['check: flags before and after positionals', ['check', '--json', 'a', '--no-time', 'b', '--strategy=dfs'], { ...checkDefaults, scenarios: ['a', 'b'], json: true, time: false, strategy: 'dfs' }],
  ['check: every flag', ['check', 's', '--variant', 'v', '--strategy', 'dfs', '--max-depth', '3', '--max-states', '4', '--trace', 't', '--json', '--no-time'],
    { verb: 'check', scenarios: ['s'], variant: 'v', strategy: 'dfs', maxDepth: 3, maxStates: 4, symmetry: true, trace: 't', json: true, time: false }],
  ['replay TRACE', ['replay', 't.json'], { verb: 'replay', trace: 't.json', variant: null }],
  ['replay TRACE --variant NAME', ['replay', 't.json', '--variant', 'mainline'], { verb: 'replay', trace: 't.json', variant: 'mainline' }],
  ['list', ['list'], { verb: 'list' }],
  ['show SCENARIO', ['show', 'fault-and-monitor'], { verb: 'show', scenario: 'fault-and-monitor' }],
  ['no arguments: help', [], { verb: 'help' }],
  ['help', ['help'], { verb: 'help' }],
  ['--help', ['--help'], { verb: 'help' }],
  ['check -h', ['check', '-h'], { verb: 'help' }],
];

for (const [title, argv, expected] of ok) {
  test(`toCommand: ${title}`, (t) => {
    t.deepEqual(toCommand(argv), expected);
  });
}

/** [title, argv, a fragment the message must contain] */
const bad: [string, string[], string][] = [
  ['bad --strategy', ['check', '--strategy', 'tso'], 'tso'],
  ['--workers 0', ['check', '--workers', '0'], '--workers: expected 1 to 64, got 0'],
  ['--workers 65', ['check', '--workers', '65'], '--workers: expected 1 to 64'],
  ['--workers two', ['check', '--workers', 'two'], 'two'],
  ['--workers with dfs', ['check', '--strategy', 'dfs', '--workers', '2'], '--workers applies to --strategy bfs, random or pct'],
  ['--shard with bfs', ['check', '--shard', '0/2'], '--shard applies to --strategy random or pct'],
  ['--shard 2/2', ['check', '--strategy', 'random', '--shard', '2/2'], '0 <= I < N'],
  ['--shard 0/0', ['check', '--strategy', 'random', '--shard', '0/0'], '0 <= I < N'],
  ['--shard 1', ['check', '--strategy', 'random', '--shard', '1'], '--shard: expected I/N'],
  ['--pct-depth without pct', ['check', '--strategy', 'random', '--pct-depth', '2'], '--pct-depth applies only to --strategy pct'],
  ['--pct-depth 0', ['check', '--strategy', 'pct', '--pct-depth', '0'], '--pct-depth: expected at least 1'],
  ['--max-preemptions with dfs', ['check', '--strategy', 'dfs', '--max-preemptions', '1'], '--max-preemptions applies to --strategy bfs'],
  ['--max-preemptions with --workers', ['check', '--max-preemptions', '1', '--workers', '2'], 'does not combine with --workers'],
  ['--max-preemptions with --max-depth', ['check', '--max-preemptions', '1', '--max-depth', '9'], 'does not combine with --max-depth'],
  ['--no-time with --corpus', ['check', '--corpus', '--no-time'], "--no-time does not apply to 'check --corpus'"],
  ['--strategy pct in diff', ['diff', '--base', 'mainline', '--patched', 'mainline', '--strategy', 'pct'], "applies to 'check'"],
  ['--workers in diff', ['diff', '--base', 'mainline', '--patched', 'mainline', '--workers', '2'], '--workers'],
  ['--seed without random', ['check', '--seed', '3'], '--seed applies only to --strategy random'],
  ['--walks without random', ['check', '--walks', '3'], '--walks applies only to --strategy random'],
  ['--seed abc', ['check', '--strategy', 'random', '--seed', 'abc'], 'abc'],
  ['--walks 0', ['check', '--strategy', 'random', '--walks', '0'], '--walks'],
  ['--strategy is case-sensitive', ['check', '--strategy', 'BFS'], 'BFS'],
  ['--max-depth abc', ['check', '--max-depth', 'abc'], 'abc'],
  ['--max-depth=-1', ['check', '--max-depth=-1'], '-1'],
  ['--max-depth -1 (a dash value)', ['check', '--max-depth', '-1'], '--max-depth'],
  ['--max-depth 1.5', ['check', '--max-depth', '1.5'], '1.5'],
  ['--max-depth empty', ['check', '--max-depth='], '--max-depth'],
  ['--max-depth beyond 2^53', ['check', '--max-depth', '99999999999999999999'], '99999999999999999999'],
  ['--max-states abc', ['check', '--max-states', 'abc'], 'abc'],
  ['--max-states 0', ['check', '--max-states', '0'], '--max-states'],
  ['--symmetry yes', ['check', '--symmetry', 'yes'], '--symmetry: expected on or off, got "yes"'],
  ['--variant without a value', ['check', '--variant'], '--variant'],
  ['unknown long flag', ['check', '--frobnicate'], '--frobnicate'],
  ['unknown short flag', ['check', '-x'], '-x'],
  ['boolean flag given a value', ['check', '--json=yes'], '--json'],
  ['unknown verb', ['frob'], 'frob'],
  ['unknown verb that looks like a scenario', ['fault-and-monitor'], 'fault-and-monitor'],
  ['replay without a file', ['replay'], 'replay'],
  ['replay with two files', ['replay', 'a.json', 'b.json'], 'replay'],
  ['replay --strategy (check-only option)', ['replay', 't.json', '--strategy', 'dfs'], '--strategy'],
  ['replay --json (check-only option)', ['replay', 't.json', '--json'], '--json'],
  ['replay --trace (check-only option)', ['replay', 't.json', '--trace', 'x'], '--trace'],
  ['replay --max-depth (check-only option)', ['replay', 't.json', '--max-depth', '3'], '--max-depth'],
  ['list --json', ['list', '--json'], '--json'],
  ['list --variant', ['list', '--variant', 'mainline'], '--variant'],
  ['list with an argument', ['list', 'extra'], 'extra'],
  ['show without a scenario', ['show'], 'show'],
  ['show with two scenarios', ['show', 'a', 'b'], 'show'],
  ['show --variant', ['show', 'fault-and-monitor', '--variant', 'mainline'], '--variant'],
  ['show --no-time', ['show', 'fault-and-monitor', '--no-time'], '--no-time'],
];

for (const [title, argv, fragment] of bad) {
  test(`toCommand rejects: ${title}`, (t) => {
    const e = t.throws(() => toCommand(argv), { instanceOf: UsageError });
    t.true(e?.message.includes(fragment), `message ${JSON.stringify(e?.message)} should mention ${JSON.stringify(fragment)}`);
  });
}

test('a rejected option that does not apply names the verb', (t) => {
  const e = t.throws(() => toCommand(['replay', 't.json', '--no-time']), { instanceOf: UsageError });
  t.regex(e?.message ?? '', /replay/);
});

test('USAGE documents every verb, every check option and the exit codes', (t) => {
  for (const w of ['check', 'replay', 'list', 'show', '--variant', '--strategy', '--max-depth', '--max-states', '--trace', '--json', '--no-time', '--workers', '--shard', '--max-preemptions', '--pct-depth', 'pct']) {
    t.true(USAGE.includes(w), w);
  }
  for (const code of ['0', '1', '2', '3']) t.regex(USAGE, new RegExp(`\\b${code}\\b`));
});
