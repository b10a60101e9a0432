/**
 * Malformed scenario files: `uffd-mc check FILE` must exit 2 with exactly one
 * line on stderr that starts (after the conventional "uffd-mc: " program
 * prefix) with the file path, names the offending field path, and carries no
 * stack trace. The same inputs go through parseScenario() directly.
 *
 * Fixtures: test/fixtures/scenarios/{bad,good}-*.json (read from the source
 * tree: tsc does not copy JSON into dist/).
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeIo, run } from '../cli/main.js';
import type { Io } from '../cli/main.js';
import { parseScenario, ScenarioError } from '../model/scenario.js';
import { builtinScenarioJson, builtinScenarios } from '../scenarios/builtin.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/scenarios/', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);
/** Every error line of the CLI starts with the program name. */
const PROG = 'uffd-mc: ';

interface FakeIo extends Io { stdout: string; stderr: string }

function fakeIo(): FakeIo {
  const io: FakeIo = {
    stdout: '',
    stderr: '',
    out: (t) => { io.stdout += t; },
    err: (t) => { io.stderr += t; },
    readFile: (p) => readFileSync(p, 'utf8'),
    writeFileAtomic: () => { throw new Error('no file should be written'); },
    importModule: (p) => nodeIo.importModule(p),
    now: () => 0,
    progress: null,
  };
  return io;
}

/** [fixture, the field path the message must name: exact text, or a pattern for the path] */
const BAD: [string, string | RegExp][] = [
  ['bad-top-array.json', '(top level)'],
  ['bad-missing-name.json', 'name'],
  ['bad-areas-empty.json', 'areas'],
  ['bad-area-pages-0.json', 'areas[0].pages'],
  ['bad-area-kind.json', 'areas[0].kind'],
  ['bad-op-unknown.json', 'threads[0].ops[0].op'],
  ['bad-op-page-out-of-range.json', 'threads[0].ops[0].page'],
  ['bad-uffd-undeclared.json', 'threads[1].ops[0].uffd'],
  ['bad-unknown-field.json', 'areas[0].colour'],
  ['bad-unknown-top-field.json', 'timeout'],
  ['bad-feature-unknown.json', 'uffds[0].features[0]'],
  ['bad-register-unknown-area.json', 'uffds[0].register[0].area'],
  // The duplicate is the second thread's name; the list as a whole is acceptable too.
  ['bad-duplicate-thread-names.json', /^threads(\[1\]\.name)?$/],
  // "serve" is a monitor loop: either the op or the thread's role is at fault.
  ['bad-serve-on-worker.json', /^threads\[0\]\.(ops\[0\]\.op|role)$/],
];

/** check FILE: exit 2, nothing on stdout, one line on stderr; returns the line after "uffd-mc: FILE: ". */
async function checkFails(t: ExecutionContext, file: string): Promise<string> {
  const io = fakeIo();
  const code = await run(['check', file, '--no-time'], io);
  t.is(code, 2);
  t.is(io.stdout, '');
  t.true(io.stderr.endsWith('\n'), 'newline-terminated');
  const ls = io.stderr.split('\n');
  t.is(ls.length, 2, `exactly one line on stderr: ${JSON.stringify(io.stderr)}`);
  t.false(io.stderr.includes('    at '), 'no stack trace');
  t.false(io.stderr.includes('internal error'));
  const line = ls[0]!;
  t.true(line.startsWith(`${PROG}${file}: `), `starts with the file path: ${line}`);
  return line.slice(`${PROG}${file}: `.length);
}

/** The field path a message starts with ("path: expected ..."). */
function pathOf(rest: string): string {
  const i = rest.indexOf(': ');
  return i < 0 ? rest : rest.slice(0, i);
}

function namesPath(t: ExecutionContext, rest: string, want: string | RegExp): void {
  const p = pathOf(rest);
  if (typeof want === 'string') t.is(p, want, rest);
  else t.regex(p, want, rest);
}

test('every bad fixture is covered, and there are at least 10', (t) => {
  const files = readdirSync(FIXTURES).filter(f => f.startsWith('bad-'));
  t.true(BAD.length >= 10);
  for (const [f] of BAD) t.true(files.includes(f), f);
});

for (const [file, want] of BAD) {
  test(`check ${file}: exit 2, one line, file path then field path`, async (t) => {
    const rest = await checkFails(t, fixture(file));
    namesPath(t, rest, want);
    t.regex(rest, /expected|allowed here/); // says what was expected
  });

  test(`parseScenario(${file}) throws a ScenarioError naming the field path`, (t) => {
    const input: unknown = JSON.parse(readFileSync(fixture(file), 'utf8'));
    const e = t.throws(() => parseScenario(input), { instanceOf: ScenarioError });
    namesPath(t, e?.message ?? '', want);
    t.false((e?.message ?? '').includes('\n'), 'one line');
  });
}

test('check of a file that is not JSON at all: exit 2, one line saying so', async (t) => {
  const rest = await checkFails(t, fixture('bad-not-json.json'));
  t.regex(rest, /JSON/);
});

// BUG (cli/main.ts readJson(): `not valid JSON: ${(e as Error).message}`):
// V8's JSON.parse message quotes the text around the error verbatim, newlines
// included, so a multi-line file with a syntax error (here a trailing comma)
// prints several lines on stderr, e.g.
//   uffd-mc: .../bad-json-multiline.json: not valid JSON: Unexpected token ']', ..."non" },
//     ],
//   }
//   " is not valid JSON
// Expected: one line (the snippet's newlines escaped or dropped).
test('check of a multi-line file with a JSON syntax error: exactly one line', async (t) => {
  const rest = await checkFails(t, fixture('bad-json-multiline.json'));
  t.regex(rest, /JSON/);
});

// BUG (model/index.ts init() throws ScenarioError(`uffds (V).register: setup's ...`),
// and cli/main.ts check() rewraps it as InputError(e.message) without the file):
// a scenario that validates but whose setup fails (two uffds registering the
// same area: the second UFFDIO_REGISTER gets EBUSY) prints
//   uffd-mc: uffds (V).register: setup's UFFDIO_REGISTER failed with EBUSY
// which neither starts with the file path nor names a field path.
// Expected: "uffd-mc: FILE: uffds[1].register[0]: ... EBUSY".
test('check of a scenario whose setup fails (EBUSY): the line starts with the file and names uffds[1].register[0]', async (t) => {
  const rest = await checkFails(t, fixture('bad-setup-register-twice.json'));
  t.true(pathOf(rest).startsWith('uffds[1].register'), rest);
  t.true(rest.includes('EBUSY'));
});

test('a scenario whose setup fails still exits 2 with one line mentioning EBUSY', async (t) => {
  const io = fakeIo();
  const code = await run(['check', fixture('bad-setup-register-twice.json'), '--no-time'], io);
  t.is(code, 2);
  t.is(io.stderr.split('\n').length, 2);
  t.true(io.stderr.includes('EBUSY'));
  t.false(io.stderr.includes('    at '));
});

test('a relative path is echoed as given', async (t) => {
  const rel = relative(process.cwd(), fixture('bad-area-pages-0.json'));
  const rest = await checkFails(t, rel);
  namesPath(t, rest, 'areas[0].pages');
});

test('good fixtures check ok (exit 0, one COMPLETE line each)', async (t) => {
  const io = fakeIo();
  const files = [fixture('good-fault-and-monitor.json'), fixture('good-shmem.json')];
  const code = await run(['check', ...files, '--no-time'], io);
  t.is(code, 0);
  t.is(io.stderr, '');
  const ls = io.stdout.split('\n').filter(l => l !== '');
  t.is(ls.length, 2);
  t.true(ls[0]!.startsWith('good-fault-and-monitor '));
  t.true(ls[1]!.startsWith('good-shmem '));
  for (const l of ls) t.true(l.includes('COMPLETE') && /\bok\b/.test(l), l);
});

test('a short scenario file explores exactly like the built-in it spells out', async (t) => {
  const run1 = fakeIo();
  const run2 = fakeIo();
  await run(['check', fixture('good-fault-and-monitor.json'), '--json', '--no-time'], run1);
  await run(['check', 'fault-and-monitor', '--json', '--no-time'], run2);
  const a = JSON.parse(run1.stdout) as { states: number; transitions: number };
  const b = JSON.parse(run2.stdout) as { states: number; transitions: number };
  t.is(a.states, b.states);
  t.is(a.transitions, b.transitions);
});

// ---------------------------------------------------------------------------
// parseScenario on good input

test('parseScenario fills the documented defaults', (t) => {
  const s = parseScenario(JSON.parse(readFileSync(fixture('good-fault-and-monitor.json'), 'utf8')));
  t.is(s.expect, 'ok');
  t.deepEqual(s.areas, [{ name: 'A', pages: 1, kind: 'anon', shared: false, mapped: true, file: 'A', cached: null }]);
  t.deepEqual(s.uffds, [{ name: 'U', nonblock: false, features: [], api: true, register: [{ area: 'A', first: 0, pages: 1, modes: ['MISSING'] }] }]);
  t.is(s.threads[0]!.role, 'worker');
  t.is(s.threads[1]!.role, 'monitor');
});

test('parseScenario: shmem is shared, and feature names get their UFFD_FEATURE_ prefix', (t) => {
  const s = parseScenario(JSON.parse(readFileSync(fixture('good-shmem.json'), 'utf8')));
  t.deepEqual(s.areas[0], { name: 'S', pages: 2, kind: 'shmem', shared: true, mapped: true, file: 'S', cached: null });
  t.deepEqual(s.uffds[0]!.features, ['UFFD_FEATURE_MISSING_SHMEM']);
  t.deepEqual(s.uffds[0]!.register, [{ area: 'S', first: 0, pages: 2, modes: ['MISSING'] }]);
});

test('parseScenario is idempotent on every built-in, and `show` JSON parses to the built-in', (t) => {
  for (const s of builtinScenarios) {
    t.deepEqual(parseScenario(s), s, s.name);
    t.deepEqual(parseScenario(builtinScenarioJson(s.name)), s, s.name);
  }
});

test('parseScenario rejects non-objects at the top level', (t) => {
  for (const v of [null, 'x', 3, true, []]) {
    const e = t.throws(() => parseScenario(v), { instanceOf: ScenarioError });
    t.true(e?.message.startsWith('(top level)'), String(e?.message));
  }
});

// ---------------------------------------------------------------- register modes and feature bits
const withOps = (register: object, ops: object[], features: string[] = []): object => ({
  name: 'x', areas: [{ name: 'A', pages: 2, kind: 'shmem' }], uffds: [{ name: 'U', features, register: [register] }],
  threads: [{ name: 'w', ops }],
});

test('parseScenario: WP and MINOR registrations parse when nothing accesses memory', (t) => {
  const sc = parseScenario(withOps({ area: 'A', modes: ['MINOR', 'WP'] }, [{ op: 'register', uffd: 'U', area: 'A', first: 0, pages: 1, modes: [] }]));
  t.deepEqual(sc.uffds[0]!.register[0]!.modes, ['MINOR', 'WP']);
  t.deepEqual((sc.threads[0]!.ops[0] as { modes: string[] }).modes, []);
});

test('parseScenario: an access in a scenario that registers WP is refused (WP faults are not modelled); MINOR is accepted', (t) => {
  const e = t.throws(() => parseScenario(withOps({ area: 'A', modes: ['MISSING', 'WP'] }, [{ op: 'read', area: 'A', page: 0 }])), { instanceOf: ScenarioError });
  t.regex(e?.message ?? '', /^threads\[0\]\.ops\[0\]: expected no memory access in a scenario that registers WP/);
  const e2 = t.throws(() => parseScenario(withOps({ area: 'A' }, [{ op: 'register', uffd: 'U', area: 'A', first: 0, modes: ['WP'] }, { op: 'write', area: 'A', page: 1 }])), { instanceOf: ScenarioError });
  t.regex(e2?.message ?? '', /^threads\[0\]\.ops\[1\]/);
  t.notThrows(() => parseScenario(withOps({ area: 'A' }, [{ op: 'register', uffd: 'U', area: 'A', first: 0, modes: ['MINOR'] }, { op: 'write', area: 'A', page: 1 }])));
});

test('parseScenario: a setup registration needs a mode; an operation may pass none (mode 0)', (t) => {
  const e = t.throws(() => parseScenario(withOps({ area: 'A', modes: [] }, [])), { instanceOf: ScenarioError });
  t.regex(e?.message ?? '', /^uffds\[0\]\.register\[0\]\.modes: expected at least one register mode/);
});

test('parseScenario: bit<N> features: a known bit becomes its name, an unknown one stays raw; unmodelled features are still refused', (t) => {
  const sc = parseScenario(withOps({ area: 'A' }, [{ op: 'api', uffd: 'U', features: ['bit8', 'bit17', 'MINOR_SHMEM'] }]));
  t.deepEqual((sc.threads[0]!.ops[0] as { features: string[] }).features, ['UFFD_FEATURE_MINOR_SHMEM', 'UFFD_FEATURE_THREAD_ID', 'bit17']);
  const e = t.throws(() => parseScenario(withOps({ area: 'A' }, [], ['bit7'])), { instanceOf: ScenarioError });
  t.regex(e?.message ?? '', /^uffds\[0\]\.features\[0\]: .*UFFD_FEATURE_SIGBUS is not modelled yet/);
});

// ---------------------------------------------------------------- raw_ioctl
const rawOp = (o: object): object => ({
  name: 'x', areas: [{ name: 'A', pages: 2, kind: 'anon' }, { name: 'B', pages: 1, kind: 'anon' }], uffds: [{ name: 'U', register: [{ area: 'A' }] }],
  threads: [{ name: 'w', ops: [{ op: 'raw_ioctl', uffd: 'U', area: 'A', ...o }] }],
});

test('parseScenario: raw_ioctl keeps the bytes: len as "0x..." text, offset and mode as given, content defaults to 1', (t) => {
  const op = parseScenario(rawOp({ cmd: 'COPY', offset: 1, len: 4096, mode: 4 })).threads[0]!.ops[0];
  t.deepEqual(op, { op: 'raw_ioctl', uffd: 'U', cmd: 'COPY', area: 'A', offset: 1, len: '0x1000', mode: 4, content: 1 });
  const huge = parseScenario(rawOp({ cmd: 'WAKE', len: '0xfffffffffffff000' })).threads[0]!.ops[0] as { len: string };
  t.is(huge.len, '0xfffffffffffff000');
  t.is((parseScenario(rawOp({ cmd: 'WAKE', len: '8192' })).threads[0]!.ops[0] as { len: string }).len, '0x2000');
});

test('parseScenario: a raw range whose validation would depend on where the layout is mapped is refused', (t) => {
  // The layout is A (2 pages), a hole, B (1 page), a hole: 5 pages. From A[0], 5 pages end at its end.
  t.notThrows(() => parseScenario(rawOp({ cmd: 'REGISTER', len: 5 * 4096, mode: 1 })));
  const e = t.throws(() => parseScenario(rawOp({ cmd: 'REGISTER', len: 6 * 4096, mode: 1 })), { instanceOf: ScenarioError });
  t.regex(e?.message ?? '', /^threads\[0\]\.ops\[0\]\.len: expected a range that ends inside the scenario's layout/);
  t.throws(() => parseScenario(rawOp({ cmd: 'WAKE', len: '0x100000000000' })), { instanceOf: ScenarioError }); // 2^44: neither
  for (const len of [6 * 4096 + 1, 0, '0xfffffffffffff000', '0x100000000000000']) t.notThrows(() => parseScenario(rawOp({ cmd: 'WAKE', len })), String(len));
  t.notThrows(() => parseScenario(rawOp({ cmd: 'WAKE', offset: 3, len: 100 * 4096 })), 'unaligned start: EINVAL wherever the layout is');
});

test('parseScenario: raw_ioctl field errors name the field', (t) => {
  const cases: [object, RegExp][] = [
    [{ cmd: 'MOVE', len: 4096 }, /\.cmd: expected one of "REGISTER"/],
    [{ cmd: 'WAKE', len: -1 }, /\.len: expected a length in bytes/],
    [{ cmd: 'WAKE', len: '0x1ffffffffffffffff' }, /\.len: expected a length in bytes/],
    [{ cmd: 'WAKE', len: 4096, offset: -1 }, /\.offset: expected an integer from 0/],
    [{ cmd: 'WAKE', len: 4096, offset: 5 * 4096 }, /\.offset: expected an integer/],
    [{ cmd: 'COPY', len: 4096, content: 256 }, /\.content: expected an integer from 0 to 255/],
    [{ cmd: 'COPY', len: 4096, pages: 1 }, /\.pages: unknown field/],
  ];
  for (const [o, re] of cases) {
    const e = t.throws(() => parseScenario(rawOp(o)), { instanceOf: ScenarioError }, JSON.stringify(o));
    t.regex(e?.message ?? '', re);
  }
});

test('parseScenario: a raw REGISTER with the WP bit counts as a WP registration (no accesses); the MINOR bit alone does not', (t) => {
  const sc = (mode: number): object => ({ ...rawOp({ cmd: 'REGISTER', len: 4096, mode }), threads: [{ name: 'w', ops: [{ op: 'raw_ioctl', uffd: 'U', cmd: 'REGISTER', area: 'A', len: 4096, mode }, { op: 'read', area: 'A', page: 0 }] }] });
  t.notThrows(() => parseScenario(sc(1)));
  t.notThrows(() => parseScenario(sc(8)));
  t.notThrows(() => parseScenario(sc(4)));
  for (const mode of [2, 6, 7]) t.throws(() => parseScenario(sc(mode)), { instanceOf: ScenarioError, message: /^threads\[0\]\.ops\[1\]: expected no memory access/ });
});
