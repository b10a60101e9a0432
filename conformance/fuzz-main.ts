/**
 * `npm run fuzz:kernel [-- --seed N] [-- --runs N]`: a longer differential
 * fuzzing run than the test suite's. Prints the seed first, so any mismatch
 * can be reproduced with --seed; exit 1 on a mismatch, 2 without a kernel.
 */
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { fuzzKernel } from './fuzz.js';
import { compileRunner, formatTranscript, removeRunner, runOnKernel, runOnModel } from './index.js';

const { values } = parseArgs({ options: { seed: { type: 'string' }, runs: { type: 'string' } } });
const seed = values.seed !== undefined ? Number(values.seed) : randomInt(2 ** 31 - 1);
const runs = values.runs !== undefined ? Number(values.runs) : 3000;
if (!Number.isInteger(seed) || !Number.isInteger(runs) || runs < 1) {
  process.stderr.write('usage: npm run fuzz:kernel -- [--seed N] [--runs N]\n');
  process.exit(2);
}
process.stdout.write(`fuzz:kernel seed ${seed}, ${runs} runs\n`);
const runner = compileRunner();
if (typeof runner !== 'string') {
  process.stderr.write(`cannot run on the kernel: ${runner.unavailable}\n`);
  process.exitCode = 2;
} else {
  try {
    const r = fuzzKernel(runner, seed, runs);
    if (r.failure === null) {
      process.stdout.write(`${r.runs} generated scripts: kernel and model agree (seed ${seed})\n`);
    } else {
      const c = r.failure.case;
      process.stdout.write([
        `MISMATCH after ${r.runs} runs (seed ${seed}), shrunk to:`, ...r.failure.diffs.map(d => `  ${d}`),
        'scenario:', JSON.stringify(c.scenario), 'script:', r.failure.script,
        'kernel:', formatTranscript(runOnKernel(c, runner)), 'model:', formatTranscript(runOnModel(c)), '',
      ].join('\n'));
      process.exitCode = 1;
    }
  } finally {
    removeRunner(runner);
  }
}
