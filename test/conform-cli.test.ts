/** `uffd-mc conform` drives the conformance suite from the command line. */
import test from 'ava';
import { run } from '../cli/main.js';
import type { Io } from '../cli/main.js';
import { compileRunner, removeRunner } from '../conformance/index.js';

function fakeIo(): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '', stderr: '',
    out(t: string) { io.stdout += t; },
    err(t: string) { io.stderr += t; },
    readFile(): string { throw new Error('no files here'); },
    writeFileAtomic(): void { throw new Error('no files here'); },
    importModule(): Promise<unknown> { return Promise.reject(new Error('no modules here')); },
    now: () => 0,
    progress: null,
  };
  return io;
}

// Same rule as test/conformance.test.ts: without a usable kernel, say why and pass, except under CI=true.
const probe = compileRunner();
const kernel = typeof probe === 'string';
if (typeof probe === 'string') removeRunner(probe);
const needsKernel = (t: { log(m: string): void; fail(m: string): void; pass(): void }): boolean => {
  if (kernel) return true;
  const reason = (probe as { unavailable: string }).unavailable;
  if (process.env['CI'] === 'true') t.fail(`kernel needed under CI=true: ${reason}`);
  else { t.log(`skipped: ${reason}`); t.pass(); }
  return false;
};

test('conform CASE: the model agrees with this kernel (exit 0, "agree", a summary line)', async t => {
  if (!needsKernel(t)) return;
  const io = fakeIo();
  t.is(await run(['conform', 'unregister-wakes'], io), 0, io.stderr);
  t.regex(io.stdout, /^unregister-wakes\s+agree$/m);
  t.regex(io.stdout, /^conform: 1 agree, 0 differ/m);
});

test('conform --variant unregister-no-wake: the broken model differs from the kernel (exit 1)', async t => {
  if (!needsKernel(t)) return;
  const io = fakeIo();
  t.is(await run(['conform', 'unregister-wakes', '--variant', 'unregister-no-wake'], io), 1);
  t.regex(io.stdout, /DIFFER/);
});

test('conform of an unknown case or variant: exit 2, one line', async t => {
  for (const argv of [['conform', 'no-such-case'], ['conform', '--variant', 'no-such-variant']]) {
    const io = fakeIo();
    t.is(await run(argv, io), 2);
    t.is(io.stderr.trimEnd().split('\n').length, 1, io.stderr);
  }
});
