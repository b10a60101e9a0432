/**
 * Conformance with the real kernel: every case of conformance/cases.ts runs on
 * this machine's kernel (conformance/runner.c, compiled here with cc) and on
 * the mainline model, and the two transcripts must be equal.
 *
 * Without a C compiler or a usable userfaultfd (EPERM, ENOSYS), each test logs
 * the one-line reason and passes, unless CI=true: CI has a kernel, so there an
 * unavailable kernel fails every test.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { cases } from '../conformance/cases.js';
import { eventCases, modelledEventCases } from '../conformance/cases-events.js';
import type { ConformanceCase } from '../conformance/index.js';
import { compare, compileRunner, formatTranscript, removeRunner, reserveHugePages, runOnKernel, runOnModel, scriptFor } from '../conformance/index.js';

const runner = compileRunner();
const inCi = process.env['CI'] === 'true';

if (typeof runner === 'string') test.after.always('remove the compiled runner', () => removeRunner(runner));

function unavailable(t: ExecutionContext, reason: string): void {
  if (inCi) {
    t.fail(`kernel conformance cannot run, and CI=true requires it: ${reason}`);
    return;
  }
  t.log(`skipped: ${reason}`);
  t.pass();
}

function check(t: ExecutionContext, c: ConformanceCase, exe: string): void {
  const kernel = runOnKernel(c, exe);
  const model = runOnModel(c);
  const diffs = compare(kernel, model);
  if (diffs.length === 0) {
    t.pass();
    return;
  }
  t.fail([
    `${c.name}: the model disagrees with the kernel (${diffs.length} difference${diffs.length === 1 ? '' : 's'}):`,
    ...diffs.map(d => `  ${d}`),
    'kernel transcript:', formatTranscript(kernel),
    'model transcript:', formatTranscript(model),
    `schedule: ${c.schedule.join(' ')}`,
    'script:', scriptFor(c).trimEnd(),
  ].join('\n'));
}

test('the conformance suite has at least 60 cases with distinct names', t => {
  t.true(cases.length >= 60);
  t.is(new Set(cases.map(c => c.name)).size, cases.length);
});

test('compare reports every differing field and missing entries', t => {
  const a = runOnModel(cases.find(c => c.name === 'copy-fill-eexist')!);
  const b = structuredClone(a);
  b.entries[1]!.ret = '0';
  b.entries.pop();
  const d = compare(a, b);
  t.true(d.some(x => x.includes('entries[1]') && x.includes('.ret: kernel "EEXIST", model "0"')), d.join('\n'));
  t.true(d.some(x => x.includes(`entries[${a.entries.length - 1}]: kernel has`)), d.join('\n'));
  t.deepEqual(compare(a, structuredClone(a)), []);
});

if (typeof runner !== 'string') {
  test('the real kernel is available', t => unavailable(t, runner.unavailable));
} else {
  test('the comparison catches a model bug: unregister-no-wake leaves the thread asleep where the kernel wakes it', t => {
    const c = cases.find(x => x.name === 'unregister-wakes')!;
    const diffs = compare(runOnKernel(c, runner), runOnModel(c, 'unregister-no-wake'));
    t.true(diffs.some(d => d.startsWith('final[0] (t0 exited).state: kernel "exited", model "blocked"')), diffs.join('\n'));
  });
}

for (const c of [...cases, ...modelledEventCases]) {
  const title = `kernel and model agree: ${c.name}`;
  if (typeof runner !== 'string') {
    test(title, t => unavailable(t, runner.unavailable));
  } else if (c.disagreement !== undefined) {
    // A known disagreement (the case's `disagreement` says what differs): fails until the model is fixed.
    test.failing(title, t => check(t, c, runner));
  } else {
    test(title, t => check(t, c, runner));
  }
}

// Kernel-only cases (conformance/cases-events.ts): the model cannot run them yet;
// each must run to its end on the kernel (no runner error, no turn that timed out).
const hugePages = Math.max(0, ...eventCases.map(c => c.hugePages ?? 0));
for (const c of eventCases.filter(x => x.kernelOnly === true)) {
  const title = `kernel-only case runs on the kernel: ${c.name}`;
  if (typeof runner !== 'string') {
    test(title, t => unavailable(t, runner.unavailable));
    continue;
  }
  test.serial(title, t => {
    t.throws(() => runOnModel(c), { message: /kernel-only case/ });
    let restore: (() => void) | { unavailable: string } = () => undefined;
    if ((c.hugePages ?? 0) > 0) {
      restore = reserveHugePages(hugePages);
      if (typeof restore !== 'function') {
        unavailable(t, `${c.name} needs ${hugePages} huge pages: ${restore.unavailable}`);
        return;
      }
    }
    try {
      const k = runOnKernel(c, runner);
      t.deepEqual(k.entries.filter(e => e.op === 'turn' && e.ret === 'timeout'), [], formatTranscript(k));
      t.true(k.entries.length > c.schedule.length, 'at least one operation completed');
    } finally {
      restore();
    }
  });
}
