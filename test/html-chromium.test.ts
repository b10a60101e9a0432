/**
 * The HTML counterexample page in a real browser: headless Chromium
 * (Debian's chromium package; .ci/run installs it) loads the file with
 * --dump-dom, which prints the DOM after the page's scripts ran, and with
 * --enable-logging=stderr, which prints every console message and uncaught
 * exception as a "CONSOLE" line. The page logs nothing when all is well
 * (its script console.error()s if a step is missing), so any CONSOLE line
 * fails the test. No npm dependency: one spawnSync per page.
 *
 * Without chromium the tests log the one-line reason and pass, unless
 * CI=true, where they fail.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkScenario, findVariant, formatTrace, renderTrace } from '../cli/api.js';
import { findScenario } from '../scenarios/builtin.js';
import { tempDir } from './fixtures/cli-io.js';

const inCi = process.env['CI'] === 'true';

function findChromium(): string | null {
  for (const exe of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = spawnSync(exe, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return exe;
  }
  return null;
}
const chromium = findChromium();

function unavailable(t: ExecutionContext): boolean {
  if (chromium !== null) return false;
  const reason = 'no chromium on PATH (apt-get install chromium)';
  if (inCi) t.fail(`headless Chromium is needed, and CI=true requires it: ${reason}`);
  else {
    t.log(`skipped: ${reason}`);
    t.pass();
  }
  return true;
}

/** Load `file` in headless Chromium: the DOM after the scripts ran, and the console lines. */
function open(t: ExecutionContext, file: string): { dom: string; console: string[] } {
  const profile = tempDir(t);
  const r = spawnSync(chromium!, [
    '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${profile}`,
    '--enable-logging=stderr', '--v=0', '--dump-dom', pathToFileURL(file).href,
  ], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) t.fail(`chromium exited with ${r.status}: ${r.stderr.slice(-500)}`);
  return { dom: r.stdout, console: r.stderr.split('\n').filter(l => l.includes(':CONSOLE')) };
}

test('the HTML counterexample of no-refile-seq shows every step in Chromium, with no console message', t => {
  if (unavailable(t)) return;
  const trace = checkScenario(findScenario('refile-race')!, findVariant('no-refile-seq')!).trace!;
  const view = renderTrace(trace, findVariant('no-refile-seq')!);
  const file = join(tempDir(t), 'cex.html');
  writeFileSync(file, formatTrace(view, 'html', trace));
  const { dom, console } = open(t, file);
  t.deepEqual(console, []);
  t.true(dom.includes(`data-ready="${view.steps.length}"`), 'the page script ran and counted every step');
  for (const s of view.steps) {
    t.true(dom.includes(`data-step="${s.step}"`), `step ${s.step}`);
    t.true(dom.includes(s.fn === 'user' ? s.op! : `${s.fn}():${s.label}`.replace(/&/g, '&amp;')), `step ${s.step} text`);
  }
  t.true(dom.includes('stuck in handle_userfault():schedule'));
});

test('a page that drops a step is caught: its script logs a console error (the check can fail)', t => {
  if (unavailable(t)) return;
  const trace = checkScenario(findScenario('fault-vs-copy')!, findVariant('no-must-wait-recheck')!).trace!;
  const html = formatTrace(renderTrace(trace, findVariant('no-must-wait-recheck')!), 'html', trace);
  const broken = html.replace(/<tr class="step" data-step="3"[^\n]*\n/, '');
  t.not(broken, html);
  const file = join(tempDir(t), 'broken.html');
  writeFileSync(file, broken);
  const { console } = open(t, file);
  t.is(console.length, 1, console.join('\n'));
  t.regex(console[0]!, /uffd-mc: the page shows \d+ steps of \d+/);
});
