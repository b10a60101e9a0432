import test from 'ava';
import { buildModel } from '../../model/index.js';
import { findVariant } from '../../model/variants.js';
import { findScenario } from '../../scenarios/builtin.js';
import { checkScenario, memoEncoder, toCheckerModel } from '../../cli/api.js';
import { check } from '../../checker/index.js';

const mainline = findVariant('mainline')!;

test('states are plain data: a JSON round trip gives an equal state; with freeze: true they are frozen deeply', t => {
  const m = buildModel(findScenario('wake-reference')!, mainline, { freeze: true });
  let s = m.init();
  for (let i = 0; i < 12; i++) s = m.step(s, m.actions(s)[i % m.actions(s).length]!);
  t.deepEqual(JSON.parse(JSON.stringify(s)), s);
  t.true(Object.isFrozen(s) && Object.isFrozen(s.mm.pte) && Object.isFrozen(s.threads[0]!.frames));
  // The checker's models do not freeze (it costs a walk of every new object): same states, unfrozen.
  const fast = buildModel(findScenario('wake-reference')!, mainline);
  let u = fast.init();
  for (let i = 0; i < 12; i++) u = fast.step(u, fast.actions(u)[i % fast.actions(u).length]!);
  t.deepEqual(u, s);
  t.false(Object.isFrozen(u));
});

test('step() never changes its input state', t => {
  for (const freeze of [false, true]) {
    const m = buildModel(findScenario('refile-race')!, mainline, { freeze });
    const s = m.init();
    const before = JSON.stringify(s);
    for (const a of m.actions(s)) m.step(s, a);
    t.is(JSON.stringify(s), before);
  }
});

test('no step writes to a state it did not produce: whole explorations with frozen states (a write would throw) find what the unfrozen ones find', t => {
  const names = ['wake-reference', 'criu-like', 'fork-vs-copy', 'continue-vs-unmap', 'spurious-wakeup', 'hugetlb-continue-vs-unmap', 'hugetlb-copy-vs-fault-colliding-index'];
  for (const name of names) {
    for (const variant of [mainline, findVariant('no-refile-seq')!]) {
      const sc = findScenario(name)!;
      const opts = { strategy: 'bfs' as const, symmetry: true, maxStates: 3000 };
      const frozen = check(toCheckerModel(buildModel(sc, variant, { freeze: true })), opts);
      const thawed = check(toCheckerModel(buildModel(sc, variant)), opts);
      t.deepEqual(frozen, thawed, `${name} on ${variant.name}`);
      t.true(frozen.states > 50, name);
    }
  }
});

test('the memoised encoding is canonical: equal states encode equally, different ones differently', t => {
  const m = buildModel(findScenario('two-faulters-one-page')!, mainline);
  const enc1 = memoEncoder();
  const enc2 = memoEncoder();
  const s0 = m.init();
  const viaA = m.step(m.step(s0, 0), 1);
  const viaB = m.step(m.step(s0, 1), 0);
  // Two independent steps in either order reach the same state, as two separately built objects.
  t.not(viaA, viaB);
  t.deepEqual(viaA, viaB);
  t.is(enc1(viaA), enc2(viaB));
  t.not(enc1(viaA), enc1(m.step(s0, 0)));
});

test('the same check twice gives deep-equal results (determinism)', t => {
  const sc = findScenario('two-faulters-one-page')!;
  t.deepEqual(checkScenario(sc, mainline).result, checkScenario(sc, mainline).result);
  const v = findVariant('no-refile-seq')!;
  const r = findScenario('refile-race')!;
  t.deepEqual(checkScenario(r, v).trace, checkScenario(r, v).trace);
});

test('BFS and DFS agree on the verdict', t => {
  for (const name of ['fault-vs-copy', 'refile-race']) {
    for (const v of ['mainline', 'no-must-wait-recheck', 'no-refile-seq']) {
      const sc = findScenario(name)!;
      const variant = findVariant(v)!;
      t.is(checkScenario(sc, variant, { strategy: 'dfs' }).result.verdict, checkScenario(sc, variant).result.verdict, `${name} ${v}`);
    }
  }
});

test('the encoding covers every field of the state: changing any top-level or mm field changes it', t => {
  const m = buildModel(findScenario('criu-like')!, mainline);
  const s = JSON.parse(JSON.stringify(m.init())) as { [k: string]: unknown };
  const enc = memoEncoder();
  const base = enc(s as never);
  const variants: [string, (c: { [k: string]: unknown }) => void][] = [];
  for (const k of Object.keys(s)) {
    if (k === 'mm') {
      for (const mk of Object.keys(s['mm'] as object)) variants.push([`mm.${mk}`, c => { (c['mm'] as { [k: string]: unknown })[mk] = [{ changed: true }]; }]);
    } else {
      variants.push([k, c => { c[k] = [{ changed: true }]; }]);
    }
  }
  t.true(variants.length >= 10);
  for (const [what, change] of variants) {
    const c = JSON.parse(JSON.stringify(s)) as { [k: string]: unknown };
    change(c);
    t.not(memoEncoder()(c as never), base, `changing ${what} must change the encoding`);
  }
});
