import test from 'ava';
import { estimateTotal, roughly } from '../cli/estimate.js';

test('a shrinking BFS is extrapolated geometrically: queue * r / (1 - r) more states', (t) => {
  // Expanded 3,000 -> 4,000 (1,000) and 2,000 new states: r = 2, still widening.
  t.is(estimateTotal({ states: 4000, frontier: 1000 }, { states: 6000, frontier: 2000 }), null);
  // Expanded 4,000 -> 5,000 (1,000) and 500 new states: r = 1/2, the 1,000 queued yield 1,000 more.
  t.is(estimateTotal({ states: 5000, frontier: 1000 }, { states: 5500, frontier: 500 }), 5500 + 500);
  // r = 1/4 on a queue of 300: 300 * (1/4) / (3/4) = 100 more.
  t.is(estimateTotal({ states: 1000, frontier: 600 }, { states: 1100, frontier: 300 }), 1200);
});

test('no estimate without progress in expansion, or at a ratio near 1', (t) => {
  t.is(estimateTotal({ states: 10, frontier: 5 }, { states: 10, frontier: 5 }), null);
  t.is(estimateTotal({ states: 1000, frontier: 100 }, { states: 1960, frontier: 100 }), null);
});

test('roughly() keeps two significant digits', (t) => {
  t.is(roughly(42), '42');
  t.is(roughly(674193), '670000');
  t.is(roughly(1250), '1300');
});
