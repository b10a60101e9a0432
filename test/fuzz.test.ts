/**
 * Differential fuzzing against the real kernel with a fixed seed and a
 * bounded count (`npm run fuzz:kernel` runs longer with a fresh seed).
 * Same availability rule as test/conformance.test.ts.
 */
import test from 'ava';
import { fuzzKernel } from '../conformance/fuzz.js';
import { compileRunner, formatTranscript, removeRunner, runOnKernel, runOnModel } from '../conformance/index.js';

const SEED = 20261121;
const RUNS = 600;

test(`${RUNS} generated sequential scripts (seed ${SEED}): kernel and model agree`, t => {
  const runner = compileRunner();
  if (typeof runner !== 'string') {
    if (process.env['CI'] === 'true') t.fail(`kernel needed under CI=true: ${runner.unavailable}`);
    else { t.log(`skipped: ${runner.unavailable}`); t.pass(); }
    return;
  }
  try {
    const r = fuzzKernel(runner, SEED, RUNS);
    if (r.failure === null) {
      t.is(r.runs, RUNS);
    } else {
      const c = r.failure.case;
      t.fail([
        `shrunk mismatch (seed ${SEED}):`, ...r.failure.diffs.map(d => `  ${d}`),
        'scenario:', JSON.stringify(c.scenario), 'script:', r.failure.script,
        'kernel:', formatTranscript(runOnKernel(c, runner)), 'model:', formatTranscript(runOnModel(c)),
      ].join('\n'));
    }
  } finally {
    removeRunner(runner);
  }
});
