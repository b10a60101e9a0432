/**
 * `node dist/conformance/kernel-main.js [--json] [NAME ...]`: run the
 * kernel-only cases (conformance/cases-events.ts), or the named ones, on this
 * machine's kernel and print each transcript: the oracle for the model once
 * it has these operations. Huge pages are reserved for the hugetlb cases and
 * /proc/sys/vm/nr_hugepages restored afterwards. Exit 2 without a kernel.
 */
import { eventCases } from './cases-events.js';
import { compileRunner, formatTranscript, removeRunner, reserveHugePages, runOnKernel } from './index.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const names = args.filter(a => a !== '--json');
const chosen = names.length === 0 ? eventCases : eventCases.filter(c => names.includes(c.name));
const unknown = names.filter(n => !eventCases.some(c => c.name === n));
if (unknown.length > 0) {
  process.stderr.write(`no kernel-only case named ${unknown.join(', ')}\n`);
  process.exit(2);
}
const runner = compileRunner();
if (typeof runner !== 'string') {
  process.stderr.write(`cannot run on the kernel: ${runner.unavailable}\n`);
  process.exit(2);
}
const needed = Math.max(0, ...chosen.map(c => c.hugePages ?? 0));
const restore = needed > 0 ? reserveHugePages(needed) : (): void => undefined;
try {
  const out: { [name: string]: unknown } = {};
  for (const c of chosen) {
    if ((c.hugePages ?? 0) > 0 && typeof restore !== 'function') {
      process.stdout.write(`${c.name}: skipped: ${restore.unavailable}\n`);
      continue;
    }
    let t;
    try {
      t = runOnKernel(c, runner);
    } catch (e) {
      process.stdout.write(`${c.name}: ${(e as Error).message}\n\n`);
      process.exitCode = 1;
      continue;
    }
    if (json) out[c.name] = t;
    else process.stdout.write(`${c.name}: ${(c.scenario as { description: string }).description}\n${formatTranscript(t)}\n\n`);
  }
  if (json) process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
} finally {
  if (typeof restore === 'function') restore();
  removeRunner(runner);
}
