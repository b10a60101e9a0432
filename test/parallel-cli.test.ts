/**
 * The command line of the parallel and bounded searches: --workers gives
 * the same output for 1 and 2 workers (parallel BFS, and swarms of random
 * or PCT walks), --shard is named on the verdict line, --json reports
 * workers, shard and bound, --max-states cuts a swarm at the same step for
 * any number of workers, a variant file reaches the workers, SIGINT
 * stops a parallel search with BOUNDED(interrupted), and bad flags exit 2.
 */
import test from 'ava';
import { run } from '../cli/main.js';
import { join } from 'node:path';
import { cli, fakeIo, tempDir } from './fixtures/cli-io.js';

const cases: [string, string[]][] = [
  ['parallel bfs, a lost wakeup', ['check', 'refile-race', '--variant', 'no-refile-seq']],
  ['parallel bfs, clean', ['check', 'refile-race', 'two-faulters-one-page']],
  ['random swarm', ['check', 'refile-race', '--variant', 'no-refile-seq', '--strategy', 'random', '--seed', '2', '--walks', '150']],
  ['pct swarm', ['check', 'refile-race', '--variant', 'no-refile-seq', '--strategy', 'pct', '--seed', '2', '--walks', '150']],
  ['a variant file', ['check', 'refile-race', '--variant', 'test/fixtures/variants/retry-instead-of-sleep.ts']],
];

for (const [title, argv] of cases) {
  test(`--workers 1 and --workers 2 print the same (${title})`, async t => {
    const one = await cli([...argv, '--workers', '1', '--no-time']);
    const two = await cli([...argv, '--workers', '2', '--no-time']);
    t.is(two.io.stdout, one.io.stdout);
    t.is(two.code, one.code);
    t.is(one.io.stderr, '');
    t.regex(one.io.stdout, /^refile-race +(ok|violation) +(COMPLETE|BOUNDED\((random|pct)\))/);
  });
}

test('--max-states cuts a random swarm at the same step with no --workers, --workers 1 and --workers 2', async t => {
  // 50 of the states 150 walks find (80 at last count): walks here take about 10 steps, so the cut is many chunks of 8 walks in.
  const argv = ['check', 'refile-race', '--strategy', 'random', '--seed', '2', '--walks', '150', '--max-states', '50', '--no-time'];
  const seq = await cli(argv);
  const one = await cli([...argv, '--workers', '1']);
  const two = await cli([...argv, '--workers', '2']);
  t.is(seq.io.stderr, '');
  t.regex(seq.io.stdout, /^refile-race +ok +BOUNDED\(max-states\) +states 50 /);
  t.is(one.io.stdout, seq.io.stdout);
  t.is(two.io.stdout, seq.io.stdout);
  const uncut = await cli(argv.filter((_, i) => i < argv.indexOf('--max-states') || i > argv.indexOf('--max-states') + 1));
  t.regex(uncut.io.stdout, /^refile-race +ok +BOUNDED\(random\) +states \d+ /);
  t.true(Number(/states (\d+)/.exec(uncut.io.stdout)![1]) > 50, 'without the limit the walks find more than 50 states');
});

test('a bfs with --workers finds the counterexample of the sequential bfs', async t => {
  const seq = await cli(['check', 'refile-race', '--variant', 'no-refile-seq', '--no-time']);
  const par = await cli(['check', 'refile-race', '--variant', 'no-refile-seq', '--workers', '2', '--no-time']);
  const table = (out: string): string => out.slice(out.indexOf('replay of'));
  t.is(table(par.io.stdout), table(seq.io.stdout));
  t.is(par.code, 1);
});

test('--shard is named on the verdict line; --json has workers, shard and bound', async t => {
  const text = await cli(['check', 'refile-race', '--strategy', 'pct', '--walks', '30', '--shard', '1/3', '--no-time']);
  t.regex(text.io.stdout, /^refile-race +ok +BOUNDED\(pct\) shard 1\/3 /);
  const json = await cli(['check', 'refile-race', '--strategy', 'random', '--walks', '30', '--shard', '2/3', '--workers', '2', '--json', '--no-time']);
  const r = JSON.parse(json.io.stdout) as { workers: number; shard: string; bound: string; strategy: string };
  t.deepEqual([r.workers, r.shard, r.bound, r.strategy], [2, '2/3', 'random', 'random']);
  const bfs = JSON.parse((await cli(['check', 'refile-race', '--workers', '2', '--json', '--no-time'])).io.stdout) as { workers: number; shard: null; bound: null; complete: boolean };
  t.deepEqual([bfs.workers, bfs.shard, bfs.bound, bfs.complete], [2, null, null, true]);
  const pre = JSON.parse((await cli(['check', 'refile-race', '--max-preemptions', '1', '--json', '--no-time'])).io.stdout) as { maxPreemptions: number; bound: string; symmetry: boolean };
  t.deepEqual([pre.maxPreemptions, pre.bound, pre.symmetry], [1, 'max-preemptions', false]);
});

test('a PCT counterexample is a trace that replays to the same violation', async t => {
  const file = join(tempDir(t), 'pct.json');
  const found = await cli(['check', 'refile-race', '--variant', 'no-refile-seq', '--strategy', 'pct', '--seed', '1', '--walks', '200', '--trace', file, '--no-time']);
  t.is(found.code, 1);
  t.regex(found.io.stdout, /^refile-race +violation +BOUNDED\(pct\) .*\[no-lost-wakeup\]/);
  const replayed = await cli(['replay', file]);
  t.is(replayed.code, 1);
  t.regex(replayed.io.stdout, /no-lost-wakeup violated/);
});

test('SIGINT stops a parallel bfs: BOUNDED(interrupted), exit 130', async t => {
  const io = fakeIo();
  let clock = 0;
  io.now = () => (clock += 5000);
  let interrupt: (() => void) | undefined;
  io.onInterrupt = handler => { interrupt = handler; return () => {}; };
  io.progress = line => { if (line !== '') interrupt?.(); };
  const code = await run(['check', 'wake-reference', '--workers', '2', '--no-time'], io);
  t.is(code, 130);
  t.regex(io.stdout, /^wake-reference +ok +BOUNDED\(interrupted\) /);
});

const badFlags: [string[], string][] = [
  [['check', '--workers', '0'], '--workers: expected 1 to 64, got 0'],
  [['check', '--strategy', 'dfs', '--workers', '2'], '--workers applies to'],
  [['check', '--shard', '1/2'], '--shard applies to'],
  [['check', '--strategy', 'pct', '--shard', '3/2'], '0 <= I < N'],
  [['check', '--strategy', 'pct', '--pct-depth', 'x'], '--pct-depth'],
  [['check', '--max-preemptions', '-1'], '--max-preemptions'],
];

for (const [argv, fragment] of badFlags) {
  test(`bad flags exit 2 with one message: ${argv.slice(1).join(' ')}`, async t => {
    const { code, io } = await cli(argv);
    t.is(code, 2);
    t.is(io.stdout, '');
    const first = io.stderr.split('\n')[0]!;
    t.true(first.startsWith('uffd-mc: ') && first.includes(fragment), first);
    t.false(io.stderr.includes('    at '), 'no stack trace');
  });
}
