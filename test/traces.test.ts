/**
 * The trace file format (traces/format.ts) and the step renderer's diff of
 * two states (traces/render.ts).
 */
import test from 'ava';
import { checkScenario } from '../cli/api.js';
import { buildModel } from '../model/index.js';
import type { UffdModel } from '../model/index.js';
import type { KernelState } from '../model/state.js';
import { findVariant } from '../model/variants.js';
import type { Variant } from '../model/variants.js';
import { findScenario } from '../scenarios/builtin.js';
import type { Scenario } from '../model/scenario.js';
import { parseTrace, serializeTrace, TRACE_FORMAT, TraceError } from '../traces/format.js';
import type { Trace } from '../traces/format.js';
import { describeChanges } from '../traces/render.js';

function scenario(name: string): Scenario {
  const s = findScenario(name);
  if (s === undefined) throw new Error(`no built-in scenario ${name}`);
  return s;
}

function variant(name: string): Variant {
  const v = findVariant(name);
  if (v === undefined) throw new Error(`no built-in variant ${name}`);
  return v;
}

/** A small hand-made trace (the schedule need not be a real one for the format). */
function handTrace(): Trace {
  return {
    format: TRACE_FORMAT,
    tool: 'uffd-mc 0.1.0',
    kernel: 'v6.18',
    scenario: scenario('fault-and-monitor'),
    variant: 'mainline',
    strategy: 'dfs',
    property: 'no-deadlock',
    message: 'a message with "quotes" and a\nnewline',
    steps: [{ choice: 0, label: 't0 user():next' }, { choice: 1, label: 'm0 user():next' }],
    final: '0123456789abcdef',
  };
}

/** A fresh plain copy of a trace's JSON, to edit. */
function json(t: Trace): { [k: string]: unknown } {
  return JSON.parse(serializeTrace(t)) as { [k: string]: unknown };
}

test('TRACE_FORMAT is uffd-mc-trace/1', (t) => {
  t.is(TRACE_FORMAT, 'uffd-mc-trace/1');
});

test('serializeTrace/parseTrace round trip a hand-made trace', (t) => {
  const tr = handTrace();
  const text = serializeTrace(tr);
  t.true(text.endsWith('\n'));
  t.deepEqual(parseTrace(JSON.parse(text)), tr);
});

test('serializeTrace/parseTrace round trip a real counterexample, and serialization is stable', (t) => {
  const c = checkScenario(scenario('fault-vs-copy'), variant('no-must-wait-recheck'));
  const tr = c.trace;
  if (tr === null) return t.fail('expected a counterexample trace');
  t.is(tr.property, 'no-lost-wakeup');
  t.is(tr.variant, 'no-must-wait-recheck');
  t.is(tr.scenario.name, 'fault-vs-copy');
  t.true(tr.steps.length > 0);
  const back = parseTrace(JSON.parse(serializeTrace(tr)));
  t.deepEqual(back, tr);
  t.is(serializeTrace(back), serializeTrace(tr));
});

test('parseTrace accepts a trace whose scenario is given in short form (defaults filled in)', (t) => {
  const o = json(handTrace());
  o['scenario'] = {
    name: 'tiny', areas: [{ name: 'A', pages: 1, kind: 'anon' }], uffds: [{ name: 'U', register: [{ area: 'A' }] }],
    threads: [{ name: 't0', ops: [{ op: 'read', area: 'A', page: 0 }] }],
  };
  const tr = parseTrace(o);
  t.is(tr.scenario.name, 'tiny');
  t.is(tr.scenario.threads[0]?.role, 'worker');
  t.is(tr.scenario.expect, 'ok');
});

/** [title, edit of a valid trace's JSON, fragment the TraceError message must contain] */
const rejects: [string, (o: { [k: string]: unknown }) => unknown, string][] = [
  ['not an object', () => 'a string', '(top level)'],
  ['an array', o => [o], '(top level)'],
  ['a wrong format tag', o => ({ ...o, format: 'uffd-mc-trace/2' }), 'format'],
  ['no format tag', o => { delete o['format']; return o; }, 'format'],
  ['a non-integer choice', o => ({ ...o, steps: [{ choice: 0, label: 'a' }, { choice: 1.5, label: 'b' }] }), 'steps[1].choice'],
  ['a negative choice', o => ({ ...o, steps: [{ choice: -1, label: 'a' }] }), 'steps[0].choice'],
  ['a choice given as a string', o => ({ ...o, steps: [{ choice: '0', label: 'a' }] }), 'steps[0].choice'],
  ['a step without a label', o => ({ ...o, steps: [{ choice: 0 }] }), 'steps[0].label'],
  ['a step that is not an object', o => ({ ...o, steps: [3] }), 'steps[0]'],
  ['steps not an array', o => ({ ...o, steps: {} }), 'steps'],
  ['a final fingerprint that is not hex', o => ({ ...o, final: 'not-a-fingerprint' }), 'final'],
  ['a final fingerprint of 15 digits', o => ({ ...o, final: '0123456789abcde' }), 'final'],
  ['a final fingerprint in upper case', o => ({ ...o, final: '0123456789ABCDEF' }), 'final'],
  ['a final fingerprint that is a number', o => ({ ...o, final: 1234 }), 'final'],
  ['a bad strategy', o => ({ ...o, strategy: 'tso' }), 'strategy'],
  ['a missing property', o => { delete o['property']; return o; }, 'property'],
  ['a variant that is not a string', o => ({ ...o, variant: 3 }), 'variant'],
  ['an embedded scenario with a bad field', o => ({ ...o, scenario: { ...(o['scenario'] as object), areas: [{ name: 'A', pages: 0, kind: 'anon' }] } }), 'scenario.areas[0].pages'],
  ['an embedded scenario with an unknown op', o => {
    const sc = o['scenario'] as { threads: { ops: unknown[] }[] };
    sc.threads[0]!.ops[0] = { op: 'mmap' };
    return o;
  }, 'scenario.threads[0].ops[0].op'],
  ['no embedded scenario', o => { delete o['scenario']; return o; }, 'scenario'],
];

for (const [title, edit, fragment] of rejects) {
  test(`parseTrace rejects ${title}`, (t) => {
    const input = edit(json(handTrace()));
    const e = t.throws(() => parseTrace(input), { instanceOf: TraceError });
    t.true(e?.message.includes(fragment), `message ${JSON.stringify(e?.message)} should mention ${JSON.stringify(fragment)}`);
  });
}

test('parseTrace: a bad embedded scenario is reported as a scenario problem', (t) => {
  const o = json(handTrace());
  o['scenario'] = { ...(o['scenario'] as object), colour: 'red' };
  const e = t.throws(() => parseTrace(o), { instanceOf: TraceError });
  t.regex(e?.message ?? '', /^scenario\b/);
  t.true(e?.message.includes('colour'));
});

// ---------------------------------------------------------------------------
// describeChanges

/** Step thread `name` (it must stay enabled) until `until(before, after)` holds; returns that pair. */
function stepUntil(m: UffdModel, from: KernelState, name: string, until: (a: KernelState, b: KernelState) => boolean): [KernelState, KernelState] {
  let s = from;
  const t = s.threads.findIndex(th => th.name === name);
  if (t < 0) throw new Error(`no thread ${name}`);
  for (let i = 0; i < 100; i++) {
    if (!m.actions(s).includes(t)) throw new Error(`${name} blocked or finished before the change`);
    const next = m.step(s, t);
    if (until(s, next)) return [s, next];
    s = next;
  }
  throw new Error(`${name}: no such change within 100 steps`);
}

test('describeChanges reports a fault queued on fault_pending_wqh', (t) => {
  const sc = scenario('fault-vs-copy');
  const m = buildModel(sc, variant('mainline'));
  const [a, b] = stepUntil(m, m.init(), 't0', (x, y) => x.uffd[0]!.fault_pending_wqh.length === 0 && y.uffd[0]!.fault_pending_wqh.length === 1);
  const changes = describeChanges(sc, a, b);
  t.true(changes.includes('U.fault_pending_wqh [] -> [t0@A[0]]'), JSON.stringify(changes));
  t.false(changes.some(c => c.startsWith('pte ')), 'no pte changed');
});

test('describeChanges reports a pte filled by UFFDIO_COPY', (t) => {
  const sc = scenario('fault-vs-copy');
  const m = buildModel(sc, variant('mainline'));
  const [a, b] = stepUntil(m, m.init(), 'c0', (x, y) => x.mm.pte[0] === null && y.mm.pte[0] !== null);
  const p = b.mm.pte[0]!;
  const changes = describeChanges(sc, a, b);
  t.true(changes.includes(`pte A[0] none -> ${p.content}${p.writable ? ' rw' : ' ro'}`), JSON.stringify(changes));
  t.false(changes.some(c => c.includes('fault_pending_wqh')), 'no queue changed');
});

test('describeChanges reports both a queue change and a pte change across several steps', (t) => {
  const sc = scenario('fault-and-monitor');
  const m = buildModel(sc, variant('mainline'));
  const s0 = m.init();
  // t0 faults and goes to sleep on the queue...
  const [, queued] = stepUntil(m, s0, 't0', (_, y) => y.uffd[0]!.fault_pending_wqh.length === 1);
  // ...then m0 reads the message and COPYs the page.
  const [, copied] = stepUntil(m, queued, 'm0', (_, y) => y.mm.pte[0] !== null);
  const changes = describeChanges(sc, s0, copied);
  t.true(changes.some(c => /^pte A\[0\] none -> \d+ (rw|ro)$/.test(c)), JSON.stringify(changes));
  t.true(changes.some(c => c.startsWith('U.fault_pending_wqh ') || c.startsWith('U.fault_wqh ')), JSON.stringify(changes));
});

test('describeChanges of a state with itself is empty', (t) => {
  const sc = scenario('fault-and-monitor');
  const m = buildModel(sc, variant('mainline'));
  const s = m.init();
  t.deepEqual(describeChanges(sc, s, s), []);
});
