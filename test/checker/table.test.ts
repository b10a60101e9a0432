/**
 * The explorer's storage (checker/table.ts) is exact: the visited set says
 * "seen" only for fingerprints added before, keeps them all through its
 * growth, and bounds what it allocates per state; columns give back what was
 * pushed at any width.
 */
import test from 'ava';
import { check } from '../../checker/index.js';
import { FingerprintSet, FULL, NEW, SEEN, UintColumn } from '../../checker/table.js';
import { countersModel } from '../fixtures/counters.js';

/** A 32-bit LCG, so the test's fingerprints are reproducible. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x | 0;
  };
}

test('the visited set agrees with a Set on 300k fingerprints added twice, in between growths', t => {
  const next = lcg(7);
  const pairs: [number, number][] = [];
  for (let i = 0; i < 300_000; i++) pairs.push([next(), next()]);
  const set = new FingerprintSet();
  const reference = new Set<string>();
  for (let i = 0; i < pairs.length; i++) {
    // Each pair is added, and then again 1000 additions later: the second time after several growths.
    for (const [hi, lo] of i >= 1000 ? [pairs[i]!, pairs[i - 1000]!] : [pairs[i]!]) {
      const key = `${hi},${lo}`;
      const expected = reference.has(key) ? SEEN : NEW;
      reference.add(key);
      if (set.addFingerprint(hi, lo) !== expected) {
        t.fail(`pair ${key}: expected ${expected === NEW ? 'new' : 'seen'}`);
        return;
      }
    }
  }
  t.is(set.size, reference.size);
  t.true(pairs.every(([hi, lo]) => set.hasFingerprint(hi, lo)));
  // Fingerprints never added: none is "seen" (no false positive), even those sharing a word with a stored one.
  const other = lcg(8);
  let absent = 0;
  for (let i = 0; i < 100_000; i++) {
    const [hi, lo] = [other(), other()];
    if (!reference.has(`${hi},${lo}`)) {
      absent++;
      if (set.hasFingerprint(hi, lo)) t.fail(`${hi},${lo} was never added`);
    }
    if (set.hasFingerprint(hi, pairs[i]![1]) !== reference.has(`${hi},${pairs[i]![1]}`)) t.fail('same low word, another high word');
  }
  t.true(absent > 99_000);
  // Between 8 / 0.75 and 8 / 0.5 bytes per fingerprint once past the first allocation.
  t.true(set.bytes / set.size >= 8 / 0.75 && set.bytes / set.size <= 16, `${set.bytes / set.size} bytes per fingerprint`);
});

test('the visited set: collisions on a slot probe on and wrap around the end; (0, 0) is an ordinary fingerprint', t => {
  const set = new FingerprintSet(Infinity, true);
  // Low word -1 starts at the last slot: 2000 of them fill it, wrap to the start, and force growths.
  for (let hi = 1; hi <= 2000; hi++) {
    t.is(set.addFingerprint(hi, -1), NEW);
    set.setValue(hi * 3);
  }
  t.is(set.addFingerprint(0, 0), NEW);
  set.setValue(77);
  t.is(set.addFingerprint(0, 0), SEEN);
  t.is(set.value(), 77);
  t.is(set.addFingerprint(0, 1), NEW);
  t.is(set.value(), 0);
  for (let hi = 1; hi <= 2000; hi++) {
    t.is(set.addFingerprint(hi, -1), SEEN);
    t.is(set.value(), hi * 3);
  }
  t.false(set.hasFingerprint(2001, -1));
  t.false(set.hasFingerprint(1, 0));
  t.is(set.size, 2002);
  t.throws(() => new FingerprintSet().value(), { instanceOf: RangeError });
});

test('the visited set stores no more than its limit', t => {
  const set = new FingerprintSet(3);
  t.deepEqual([1, 2, 3].map(i => set.addFingerprint(i, i)), [NEW, NEW, NEW]);
  t.is(set.addFingerprint(4, 4), FULL);
  t.is(set.addFingerprint(0, 0), FULL);
  t.is(set.addFingerprint(2, 2), SEEN);
  t.is(set.size, 3);
  t.false(set.hasFingerprint(4, 4));
  t.true(set.has('') === false && set.add('x') === FULL);
});

test('a column widens from 1 to 2 to 4 bytes per entry as values need, keeping every value', t => {
  const c = new UintColumn();
  const values: number[] = [];
  const push = (v: number): void => { c.push(v); values.push(v); };
  for (let i = 0; i < 3000; i++) push(i % 256);
  t.is(c.bytes / c.size < 1.5 && c.bytes >= c.size, true);
  push(300);
  for (let i = 0; i < 3000; i++) push(i % 7);
  t.is(c.bytes >= 2 * c.size && c.bytes < 3 * c.size, true);
  push(70_000);
  push(0x7fffffff);
  t.deepEqual(values.map((_, i) => c.get(i)), values);
  t.is(c.bytes >= 4 * c.size && c.bytes < 6 * c.size, true);
  t.throws(() => c.push(-1), { instanceOf: RangeError });
  t.throws(() => c.push(2 ** 31), { instanceOf: RangeError });
  t.throws(() => c.get(c.size), { instanceOf: RangeError });
});

test('a toy model with a million states: exact counts, every strategy; bytes per state reported apart', t => {
  // 100^3 counters: 1,000,000 states, 3 * 99 * 100 * 100 = 2,970,000 transitions, deepest state at 297.
  for (const strategy of ['bfs', 'dfs'] as const) {
    const r = check(countersModel(3, 99), { strategy });
    t.is(r.states, 1_000_000, strategy);
    t.is(r.transitions, 2_970_000, strategy);
    t.is(r.maxDepth, 297, strategy);
    t.true(r.visitedBytes / r.states <= 16, `${strategy}: ${r.visitedBytes / r.states} visited-set bytes per state`);
    t.is(r.storedBytes, r.visitedBytes + r.traceBytes);
    // BFS: parent id (4 bytes) and action index (1 byte), capacities within 1.5 times the need.
    if (strategy === 'bfs') t.true(r.traceBytes / r.states >= 5 && r.traceBytes / r.states <= 7.5, `${r.traceBytes / r.states}`);
    else t.is(r.traceBytes, 0);
  }
  // A depth bound: DFS keeps each state's depth beside its fingerprint (12 bytes a slot).
  const d = check(countersModel(3, 99), { strategy: 'dfs', maxDepth: 150 });
  const b = check(countersModel(3, 99), { strategy: 'bfs', maxDepth: 150 });
  t.is(d.states, b.states);
  t.is(d.transitions > 0 && d.bound, 'max-depth');
  t.true(d.visitedBytes / d.states <= 24);
});
