/**
 * Counterexamples for people: the race diagram (text), Mermaid, the
 * self-contained HTML page (here as text; test/html-chromium.test.ts opens
 * it in a browser), --format on replay and check, and test-from-trace.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkScenario, findVariant, formatTrace, renderTrace, testFromTraceSource, toCheckerModel } from '../cli/api.js';
import { buildModel } from '../model/index.js';
import type { Trace } from '../cli/api.js';
import { findScenario } from '../scenarios/builtin.js';
import { escapeHtml } from '../traces/html.js';
import { cli, tempDir } from './fixtures/cli-io.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function cex(scenario: string, variant: string): Trace {
  const c = checkScenario(findScenario(scenario)!, findVariant(variant)!);
  if (c.trace === null) throw new Error(`${variant} finds no counterexample on ${scenario}`);
  return c.trace;
}

const refile = cex('refile-race', 'no-refile-seq');
const refileView = renderTrace(refile, findVariant('no-refile-seq')!);

test('race diagram of no-refile-seq: one column per thread, time downward, the refile split around the lockless check', t => {
  const text = formatTrace(refileView, 'race');
  const lines = text.split('\n');
  const header = lines.find(l => l.startsWith('t0'))!;
  const col = { t0: header.indexOf('t0'), r: header.indexOf(' r ') + 1, c: header.indexOf(' c') + 1 };
  t.true(col.t0 === 0 && col.r > 0 && col.c > col.r, header);
  /** The line index and column of the first line containing `s`. */
  const find = (s: string): { i: number; x: number } => {
    const i = lines.findIndex(l => l.includes(s));
    return { i, x: i < 0 ? -1 : lines[i]!.indexOf(s) };
  };
  const queue = find('handle_userfault()');
  const refileStart = find('add_wait_queue(fd_wqh)');
  const check = find('waitqueue_active(fault_pending_wqh)');
  const refileEnd = find('add_wait_queue(fault_wqh)');
  // Each step is in its thread's column...
  t.true(queue.x >= col.t0 && queue.x < col.r);
  t.true(refileStart.x > col.r && refileStart.x < col.c);
  t.true(check.x > col.c);
  t.true(refileEnd.x > col.r && refileEnd.x < col.c);
  // ...and in time order: the copier's lockless check falls inside the reader's refile.
  t.true(queue.i < refileStart.i && refileStart.i < check.i && check.i < refileEnd.i);
  t.true(text.includes("U: t0's uwq off both queues (refile)"));
  // The copier's two lockless checks both see an empty queue: the lost wakeup, as a commit message would say it.
  t.is((text.match(/saw an empty queue \(false\)/g) ?? []).length, 2, text);
  t.false(/mmap_lock free ->|RUNNING -> INTERRUPTIBLE/.test(text), 'lock and task-state bookkeeping stays out of the diagram');
  t.regex(text, /<t0 stuck in handle_userfault\(\):schedule: asleep \(TASK_INTERRUPTIBLE\) on U.fault_wqh, page 0>/);
  t.regex(lines[0]!, new RegExp(`^refile-race, variant no-refile-seq: no-lost-wakeup violated after step ${refile.steps.length}$`));
  t.true(refile.steps.length >= 8, 'the refile race needs the fault, the refile split in two and the copy between');
  // Every step appears: its label in some line, in order.
  let from = 0;
  for (const s of refileView.steps.filter(x => x.fn !== 'user')) {
    const i = lines.findIndex((l, k) => k >= from && l.trim() === s.label);
    t.true(i >= from, `step ${s.step} ${s.fn}():${s.label}`);
    from = i + 1;
  }
});

test('mermaid: a sequenceDiagram with a participant per thread, a note per step, the wake arrows and the stuck thread', t => {
  const text = formatTrace(refileView, 'mermaid');
  const lines = text.trimEnd().split('\n');
  t.is(lines[0], 'sequenceDiagram');
  t.deepEqual(lines.filter(l => l.trim().startsWith('participant')).map(l => l.trim()), ['participant T0_t0 as t0', 'participant T1_r as r', 'participant T2_c as c']);
  for (const s of refileView.steps) t.true(lines.some(l => l.includes(`: ${s.step}. `)), `step ${s.step}`);
  t.true(lines.some(l => l.includes('Note over T0_t0: stuck in handle_userfault():schedule')));
  // No raw characters that end or break a Mermaid message inside the text.
  for (const l of lines.filter(x => x.includes('Note over'))) t.false(/[;<>]/.test(l.replace(/<br\/>/g, '')), l);
});

/** A clean run as a trace: always take the first enabled thread, to the end. */
function firstEnabledRun(scenario: string): Trace {
  const sc = findScenario(scenario)!;
  // The transition system of a check (with the partial-order reduction), which the trace then says.
  const m = toCheckerModel(buildModel(sc, findVariant('mainline')!, { por: true }));
  const steps: Trace['steps'] = [];
  for (let s = m.init(); m.actions(s).length > 0; s = m.step(s, m.actions(s)[0]!)) steps.push({ choice: 0, label: m.label(s, m.actions(s)[0]!) });
  return { ...refile, scenario: sc, variant: 'mainline', steps, por: true };
}

test('mermaid: a wake-up is an arrow from the waker to the woken thread', t => {
  const view = renderTrace(firstEnabledRun('fault-and-monitor'), findVariant('mainline')!);
  t.is(view.violation, null);
  const waker = view.steps.find(s => (s.wakes ?? []).includes('t0'));
  t.is(waker?.thread, 'm0', 'the monitor\'s COPY wakes t0');
  t.true(formatTrace(view, 'mermaid').includes('  T1_m0->>T0_t0: wakes t0'));
  t.true(formatTrace(view, 'html').includes('<li class="wake">wakes t0</li>'));
  t.true(formatTrace(view, 'race').includes('no property violated along this schedule on mainline'));
});

test('html: self-contained (no external reference), every step shown, text escaped, deterministic', t => {
  const html = formatTrace(refileView, 'html', refile);
  t.true(html.startsWith('<!DOCTYPE html>'));
  t.false(/\b(src|href)\s*=/i.test(html), 'no src= or href=');
  t.false(/https?:\/\//.test(html.replace(/"https?:\/\/[^"]*"/g, '')), 'no URL');
  for (const s of refileView.steps) t.true(html.includes(`data-step="${s.step}"`), `step ${s.step}`);
  t.true(html.includes(`data-steps="${refile.steps.length}"`));
  t.true(html.includes('stuck in handle_userfault():schedule'));
  t.is(formatTrace(refileView, 'html', refile), html);
  // The embedded trace parses back to the trace.
  const json = /<script type="application\/json" id="uffd-mc-trace">(.*?)<\/script>/s.exec(html)![1]!;
  t.deepEqual(JSON.parse(json), JSON.parse(JSON.stringify(refile)));
});

test('html escapes what a scenario author writes (names, descriptions)', t => {
  const evil = { ...refile, scenario: { ...refile.scenario, description: '<script>alert(1)</script> & "q"' } };
  const html = formatTrace(renderTrace(evil, findVariant('no-refile-seq')!), 'html', evil);
  t.false(html.includes('<script>alert(1)'));
  t.true(html.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;'));
  t.false(html.includes('</script> & "q"'), 'not raw inside the embedded JSON either');
  t.is(escapeHtml(`<a href='x'>&</a>`), '&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
});

test('replay --format race|mermaid|html prints that format; the exit code is still the replay\'s', async t => {
  const dir = tempDir(t);
  const file = join(dir, 'cex.json');
  t.is((await cli(['check', 'refile-race', '--variant', 'no-refile-seq', '--trace', file, '--no-time'])).code, 1);
  const race = await cli(['replay', file, '--format', 'race']);
  t.is(race.code, 1);
  t.is(race.io.stdout, formatTrace(refileView, 'race'));
  const mermaid = await cli(['replay', file, '--format', 'mermaid']);
  t.true(mermaid.io.stdout.startsWith('sequenceDiagram\n'));
  const html = await cli(['replay', file, '--format', 'html']);
  t.is(html.code, 1);
  t.true(html.io.stdout.startsWith('<!DOCTYPE html>'));
  const clean = await cli(['replay', file, '--variant', 'mainline', '--format', 'race']);
  t.true(clean.code === 0 || clean.code === 3);
  const bad = await cli(['replay', file, '--format', 'svg']);
  t.is(bad.code, 2);
});

test('check --format race prints the counterexample as a race diagram; --format html is a usage error on check', async t => {
  const { code, io } = await cli(['check', 'refile-race', '--variant', 'no-refile-seq', '--format', 'race', '--no-time']);
  t.is(code, 1);
  t.true(io.stdout.includes(formatTrace(refileView, 'race')));
  const html = await cli(['check', 'refile-race', '--format', 'html']);
  t.is(html.code, 2);
  t.true(html.io.stderr.includes('replay T --format html'));
});

/** Run ava on one generated test file inside the package (so 'uffd-mc' resolves to it). */
function runGenerated(t: import('ava').ExecutionContext, source: string): { status: number | null; out: string } {
  const dir = mkdtempSync(join(ROOT, 'dist', 'test', 'generated-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'regression.test.js');
  writeFileSync(file, source);
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'ava', 'entrypoints', 'cli.mjs'), file], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_V8_COVERAGE: '' } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('test-from-trace writes an ava test that passes on the trace\'s variant and fails once the bug is gone', async t => {
  const dir = tempDir(t);
  const file = join(dir, 'cex.json');
  const out = join(dir, 'regression.test.js');
  t.is((await cli(['check', 'refile-race', '--variant', 'no-refile-seq', '--trace', file, '--no-time'])).code, 1);
  const { code, io } = await cli(['test-from-trace', file, '--out', out]);
  t.is(code, 0, io.stderr);
  t.is(io.writes.length, 1);
  const source = io.writes[0]!.text;
  t.is(source, testFromTraceSource(refile));
  const ok = runGenerated(t, source);
  t.is(ok.status, 0, ok.out);
  t.regex(ok.out, /1 test passed/);
  // The same test against mainline (as if the trace had been recorded there) must fail.
  const onMainline = runGenerated(t, testFromTraceSource({ ...refile, variant: 'mainline' }));
  t.not(onMainline.status, 0, onMainline.out);
});
