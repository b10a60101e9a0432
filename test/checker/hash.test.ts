import test from 'ava';
import { hash64 } from '../../checker/index.js';

/** Deterministic pseudo-random strings (a 32-bit LCG), so tests are reproducible. */
function randomStrings(count: number, length: number, seed: number): string[] {
  let x = seed >>> 0;
  const next = (): number => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x >>> 8;
  };
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = '';
    for (let j = 0; j < length; j++) s += String.fromCharCode(32 + (next() % 95));
    out.push(s);
  }
  return out;
}

function bitsDiffer(a: string, b: string): number {
  let bits = 0;
  for (let i = 0; i < a.length; i += 8) {
    let x = (parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16)) >>> 0;
    while (x !== 0) {
      bits += x & 1;
      x >>>= 1;
    }
  }
  return bits;
}

test('hash64 gives 16 lowercase hex characters', (t) => {
  for (const s of ['', 'a', 'ab', 'abc', 'x'.repeat(1000), '\u{1F600}', '\uffff\u0000']) {
    t.regex(hash64(s), /^[0-9a-f]{16}$/);
  }
});

test('hash64 is deterministic', (t) => {
  for (const s of randomStrings(100, 40, 1)) {
    t.is(hash64(s), hash64(s));
    t.is(hash64(s), hash64(s.slice(0, 20) + s.slice(20)));
  }
});

test('small changes change the hash', (t) => {
  const base = 'pc=[0,2,3];locked=true;queue=[]';
  const variants = [
    'pc=[0,2,3];locked=true;queue=[] ',
    ' pc=[0,2,3];locked=true;queue=[]',
    'pc=[0,2,3];locked=truE;queue=[]',
    'pc=[0,3,2];locked=true;queue=[]',
    'pc=[0,2,3];locked=true;queue=[',
    'pc=[0,2,3];locked=true;queue=[]\u0000',
  ];
  const hashes = new Set([hash64(base), ...variants.map(hash64)]);
  t.is(hashes.size, variants.length + 1);
  // Trailing NUL code units must count (length is mixed in).
  t.not(hash64(''), hash64('\u0000'));
  t.not(hash64('\u0000'), hash64('\u0000\u0000'));
  t.not(hash64('a'), hash64('a\u0000'));
});

test('no collisions among 100k distinct short strings', (t) => {
  const seen = new Set<string>();
  let count = 0;
  for (let i = 0; i < 50_000; i++) {
    seen.add(hash64(`s${i}`));
    count++;
  }
  for (const s of randomStrings(50_000, 6, 42)) {
    if (/^s\d+$/.test(s)) continue;
    seen.add(hash64(s));
    count++;
  }
  t.true(count > 99_000);
  t.is(seen.size, count);
});

test('no collisions among all strings of up to 2 characters over 200 code units', (t) => {
  const seen = new Set<string>();
  let count = 0;
  const add = (s: string): void => {
    seen.add(hash64(s));
    count++;
  };
  add('');
  for (let a = 0; a < 200; a++) {
    add(String.fromCharCode(a));
    for (let b = 0; b < 200; b++) add(String.fromCharCode(a, b));
  }
  t.is(count, 1 + 200 + 200 * 200);
  t.is(seen.size, count);
});

test('one changed character flips about half of the bits of each half', (t) => {
  const strings = randomStrings(4000, 24, 7);
  let hiBits = 0;
  let loBits = 0;
  strings.forEach((s, i) => {
    const at = i % s.length;
    const changed = s.slice(0, at) + String.fromCharCode(s.charCodeAt(at) ^ 1) + s.slice(at + 1);
    const a = hash64(s);
    const b = hash64(changed);
    hiBits += bitsDiffer(a.slice(0, 8), b.slice(0, 8));
    loBits += bitsDiffer(a.slice(8), b.slice(8));
  });
  // Expected mean 16 per 32-bit half; the standard error of the mean here is about 0.04.
  t.true(Math.abs(hiBits / strings.length - 16) < 0.5, `high half: ${hiBits / strings.length}`);
  t.true(Math.abs(loBits / strings.length - 16) < 0.5, `low half: ${loBits / strings.length}`);
});

test('each hex digit position is uniformly distributed', (t) => {
  const n = 32_000;
  const counts = Array.from({ length: 16 }, () => new Array<number>(16).fill(0));
  for (let i = 0; i < n; i++) {
    const h = hash64(`state-${i}`);
    for (let p = 0; p < 16; p++) counts[p]![parseInt(h[p]!, 16)]!++;
  }
  // Chi-square with 15 degrees of freedom; 40 is far beyond the 99.9th percentile (37.7).
  for (let p = 0; p < 16; p++) {
    const chi2 = counts[p]!.reduce((acc, c) => acc + (c - n / 16) ** 2 / (n / 16), 0);
    t.true(chi2 < 40, `position ${p}: chi2 ${chi2.toFixed(1)}`);
  }
});
