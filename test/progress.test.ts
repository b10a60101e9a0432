/**
 * Progress on stderr for long runs: a line after 2 s (by the Io clock), as
 * JSON with --json; never on stdout, and it does not change the result.
 */
import test from 'ava';
import { run } from '../cli/main.js';
import { fakeIo } from './fixtures/cli-io.js';

function slowClockIo() {
  const io = fakeIo();
  const lines: string[] = [];
  let clock = 0;
  io.now = () => (clock += 5000); // every reading is five seconds later
  io.progress = (line) => { lines.push(line); };
  return { io, lines };
}

test('check --json reports progress as JSON lines, apart from the result', async (t) => {
  const { io, lines } = slowClockIo();
  const code = await run(['check', 'wake-reference', '--max-states', '10001', '--json', '--no-time'], io);
  t.is(code, 0);
  const shown = lines.filter(l => l !== '');
  t.true(shown.length >= 1, 'at least one progress line');
  const p = JSON.parse(shown[0]!) as { progress: { scenario: string; states: number; queue: number; statesPerSecond: number; estimatedTotal: number | null } };
  t.is(p.progress.scenario, 'wake-reference');
  t.is(p.progress.states, 10000);
  t.true(p.progress.queue > 0);
  // The first report has no earlier sample to extrapolate from (cli/estimate.ts).
  t.is(p.progress.estimatedTotal, null);
  const result = JSON.parse(io.stdout) as { scope?: string; bound: string; states: number };
  t.is(result.bound, 'max-states');
  t.is(result.states, 10001);
});

test('check without --json reports progress as text', async (t) => {
  const { io, lines } = slowClockIo();
  await run(['check', 'wake-reference', '--max-states', '10001', '--no-time'], io);
  const shown = lines.filter(l => l !== '');
  t.regex(shown[0]!, /^wake-reference: 10000 states, \d+ transitions, depth \d+, queue \d+, \d+ states\/s/);
});

test('an interrupt stops check with a partial report, BOUNDED(interrupted), exit 130, and skips the scenarios left', async (t) => {
  const { io } = slowClockIo();
  let interrupt: (() => void) | null = null;
  let listening = false;
  io.onInterrupt = (handler) => { interrupt = handler; listening = true; return () => { listening = false; }; };
  // Interrupt at the first progress report (10,000 states), as a SIGINT during a long run would.
  io.progress = (line) => { if (line !== '') interrupt?.(); };
  const code = await run(['check', 'wake-reference', 'refile-race', '--no-time'], io);
  t.is(code, 130);
  t.regex(io.stdout, /^wake-reference +ok +BOUNDED\(interrupted\) +states 1\d{4} /);
  t.false(io.stdout.includes('refile-race'));
  t.is(io.stderr, 'uffd-mc: interrupted; 1 scenario not checked\n');
  t.false(listening, 'the handler is removed after the run');
});

test('--strategy random with a seed: byte-identical output on two runs; the violation replays', async (t) => {
  const argv = ['check', 'refile-race', '--variant', 'no-refile-seq', '--strategy', 'random', '--seed', '5', '--walks', '300', '--no-time'];
  const a = fakeIo();
  const b = fakeIo();
  t.is(await run(argv, a), 1);
  t.is(await run(argv, b), 1);
  t.is(a.stdout, b.stdout);
  t.regex(a.stdout, /^refile-race +violation +BOUNDED\(random\)/);
  t.true(a.stdout.includes('no-lost-wakeup violated after step'), 'the walk replays to the violation');
});
