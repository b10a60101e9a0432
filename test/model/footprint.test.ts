/**
 * Recorded footprints (model/footprint.ts) claim only what is true: on
 * built-in scenarios (mainline, and each known bug on the scenario it
 * breaks), on the unreduced transition system, and on generated scenarios
 * with every variant, in every reachable state,
 *  - the recorded run reaches the same successor as a plain one
 *    (recordTransition throws otherwise, which fails the test);
 *  - every leaf that a transition changed lies under a recorded write;
 *  - two enabled transitions whose footprints do not conflict commute: each
 *    stays enabled after the other and both orders reach the same state.
 * A read the recorder missed would let conflict() call a dependent pair
 * independent; these searches meet such pairs (they count how many pairs
 * footprints call independent, so they cannot pass by finding none). The
 * model rarely writes inside an array element that another thread found
 * by a search, so the recorder's handling of each kind of access is also
 * tested one step at a time, on a toy kernel function.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { Immer } from 'immer';
import type { Kernel } from '../../model/engine.js';
import { conflict, recordTransition, type Footprint } from '../../model/footprint.js';
import { buildModel, type BuildOptions } from '../../model/index.js';
import type { Scenario } from '../../model/scenario.js';
import type { KernelState } from '../../model/state.js';
import { findVariant, type Variant } from '../../model/variants.js';
import { findScenario } from '../../scenarios/builtin.js';
import { forGeneratedScenarios } from '../fixtures/generated.js';

/** The leaf paths (and array lengths) where a and b differ. */
function changedLeaves(a: unknown, b: unknown, path: string, out: string[]): void {
  if (a === b) return;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    out.push(path);
    return;
  }
  const ao = a as { [k: string]: unknown };
  const bo = b as { [k: string]: unknown };
  if (Array.isArray(a) && a.length !== (b as unknown[]).length) out.push(`${path}/length`);
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) changedLeaves(ao[k], bo[k], path === '' ? k : `${path}/${k}`, out);
}

/** Whether `p` lies under one of `writes` (an array's length counts as under the array). */
function underWrite(writes: readonly string[], p: string): boolean {
  const q = p.endsWith('/length') ? p.slice(0, -'/length'.length) : null;
  return writes.some(w => w === p || p.startsWith(`${w}/`) || w === q);
}

interface Tally { states: number; pairs: number; independent: number }

/** Check the three claims in every state of sc's search (up to `limit` states); returns what it saw. */
function checkFootprints(t: ExecutionContext, sc: Scenario, v: Variant, limit: number, options: BuildOptions = {}): Tally {
  const m = buildModel(sc, v, options);
  const seen = new Set<string>();
  let frontier: KernelState[] = [m.init()];
  seen.add(m.encode(frontier[0]!));
  const tally: Tally = { states: 0, pairs: 0, independent: 0 };
  const where = `${sc.name} on ${v.name}`;
  while (frontier.length > 0 && seen.size < limit) {
    const next: KernelState[] = [];
    for (const s of frontier) {
      tally.states++;
      const acts = m.actions(s);
      const runs = acts.map(a => ({ a, ...m.stepWithFootprint(s, a) }));
      for (const r of runs) {
        const key = m.encode(r.next);
        const changed: string[] = [];
        changedLeaves(s, r.next, '', changed);
        const missed = changed.filter(p => !underWrite(r.footprint.writes, p));
        if (missed.length > 0) t.fail(`${where}: ${m.label(s, r.a)} changed ${missed.join(', ')}, not recorded as written`);
        if (!seen.has(key)) {
          seen.add(key);
          next.push(r.next);
        }
      }
      for (let i = 0; i < runs.length; i++) {
        for (let j = i + 1; j < runs.length; j++) {
          const x = runs[i]!;
          const y = runs[j]!;
          tally.pairs++;
          if (conflict(x.footprint, y.footprint)) continue;
          tally.independent++;
          const commute = m.actions(x.next).includes(y.a) && m.actions(y.next).includes(x.a)
            && m.encode(m.step(x.next, y.a)) === m.encode(m.step(y.next, x.a));
          if (!commute) t.fail(`${where}: ${m.label(s, x.a)} and ${m.label(s, y.a)} do not commute, but their footprints do not conflict: ${JSON.stringify(x.footprint)} / ${JSON.stringify(y.footprint)}`);
        }
      }
    }
    frontier = next;
  }
  return tally;
}

/** Each known bug on the scenario it breaks (model/variants.ts descriptions), and mainline on small built-ins. */
const CASES: [string, string][] = [
  ['fault-and-monitor', 'mainline'], ['fault-vs-copy', 'mainline'], ['two-faulters-one-page', 'mainline'], ['refile-race', 'mainline'],
  ['close-while-waiting', 'mainline'], ['unmap-two-uffds', 'mainline'], ['copy-vs-unmap', 'mainline'], ['remove-vs-copy', 'mainline'],
  ['dontunmap-faults', 'mainline'], ['fork-vs-copy', 'mainline'], ['spurious-wakeup', 'mainline'], ['two-minor-faulters', 'mainline'],
  ['hugetlb-copy-vs-fault-colliding-index', 'mainline'], ['hugetlb-private-continue-cow', 'mainline'],
  ['fault-vs-copy', 'state-after-check'], ['fault-vs-copy', 'no-must-wait-recheck'], ['unregister-while-waiting', 'unregister-no-wake'],
  ['unmap-two-vmas-one-uffd', 'no-unmap-dedup'], ['remove-vs-copy', 'mmap-changing-bool'], ['copy-vs-dontunmap', 'no-recheck-under-lock'],
  ['fork-vs-copy', 'no-mmap-changing-check'], ['fork-close-before-read', 'fork-release-keeps-ctx'], ['fork-close-before-read', 'fork-release-keeps-flags'],
  ['fork-fails', 'fork-fail-sends-event'], ['spurious-wakeup', 'single-retry'], ['private-continue-cow', 'continue-private-writable'],
  ['hugetlb-copy-vs-fault-same-index', 'hugetlb-userfault-holding-mutex'],
];

test('footprints on built-ins (mainline, and each known bug where it shows): every change recorded, and non-conflicting transitions commute', t => {
  let independent = 0;
  for (const [name, variant] of CASES) {
    const r = checkFootprints(t, findScenario(name)!, findVariant(variant)!, 2_500);
    t.true(r.pairs > 0, `${name}: no two transitions were ever enabled together`);
    independent += r.independent;
  }
  t.true(independent > 1_000, `only ${independent} pairs were called independent: the check would be vacuous`);
});

test('footprints on the unreduced transition system (every step its own transition): the same claims', t => {
  const r = checkFootprints(t, findScenario('refile-race')!, findVariant('mainline')!, 2_500, { fold: false });
  t.true(r.independent > 100);
  checkFootprints(t, findScenario('copy-vs-dontunmap')!, findVariant('no-recheck-under-lock')!, 2_500, { fold: false });
  checkFootprints(t, findScenario('hugetlb-copy-vs-fault-same-index')!, findVariant('mainline')!, 2_500, { fold: false });
});

test('footprints on generated scenarios (faults, fills, events, close, shmem minor faults) with every variant', t => {
  let checked = 0;
  let independent = 0;
  forGeneratedScenarios(40, (sc, v) => {
    const r = checkFootprints(t, sc, v, 1_500);
    checked++;
    independent += r.independent;
  });
  t.true(checked >= 20, `only ${checked} generated cases were valid`);
  t.true(independent > 500, `only ${independent} independent pairs`);
});

const fp = (f: Partial<Footprint>): Footprint => ({ reads: [], deepReads: [], writes: [], ...f });

test('conflict(): a write meets a read at or below it, a deep read above or below it, and a write either way; not a shallow read above it', t => {
  t.true(conflict(fp({ writes: ['mm/pte/3'] }), fp({ reads: ['mm/pte/3'] })));
  t.true(conflict(fp({ writes: ['mm/pte'] }), fp({ reads: ['mm/pte/3'] })), 'replacing the array replaces its elements');
  t.false(conflict(fp({ writes: ['mm/pte/3'] }), fp({ reads: ['mm/pte'] })), 'a read that an object is there does not see inside it');
  t.true(conflict(fp({ writes: ['mm/pte/3'] }), fp({ deepReads: ['mm/pte'] })), 'a search of the array sees its elements');
  t.true(conflict(fp({ deepReads: ['uffd/0/fault_wqh/1'] }), fp({ writes: ['uffd/0/fault_wqh'] })));
  t.true(conflict(fp({ writes: ['threads/1/task'] }), fp({ writes: ['threads/1'] })));
  t.false(conflict(fp({ writes: ['mm/pte/3'] }), fp({ reads: ['mm/pte/30'], writes: ['mm/pte/4'] })), 'pte/3 is not a prefix of pte/30');
  t.false(conflict(fp({ reads: ['mm/pte/3'], deepReads: ['uffd'] }), fp({ reads: ['mm/pte/3'], deepReads: ['uffd'] })), 'reads never conflict');
});

/**
 * The recorder on single steps of a toy kernel function, run by thread 0 of a real initial state: each
 * step does one kind of access, and the footprint must name exactly where.
 */
const { produce } = new Immer({ autoFreeze: false });

function toyFootprint(run: (d: KernelState) => void): Footprint {
  const m = buildModel(findScenario('fault-and-monitor')!, findVariant('mainline')!);
  const s = produce(m.init(), d => {
    d.threads[0]!.frames = [{ fn: 'toy', at: 'only', locals: { x: 1 }, rv: null }];
    d.uffd[0]!.fault_wqh = [{ tid: 1, msg: { event: 'UFFD_EVENT_PAGEFAULT', address: 0, flags: 0 } }];
  });
  const kernel: Kernel = { ...m.kernel, toy: { name: 'toy', cites: 'test', entry: 'only', steps: { only: { doc: 'toy', run: d => { run(d); d.threads[0]!.frames = []; } } } } };
  return recordTransition(kernel, s, 0, produce, true).footprint;
}

test('the recorder names what a step touches: searches read the whole array, peeks and `in` read a path, array changes write the array', t => {
  const own = ['threads/0/frames'];
  const searched = toyFootprint(d => { d.uffd[0]!.fault_wqh.find(u => u.tid === 1); });
  t.deepEqual(searched.deepReads, ['uffd/0/fault_wqh']);
  t.deepEqual(searched.writes, own);
  // engine.ts local() reads locals through getOwnPropertyDescriptor (a peek that makes no immer draft).
  const peeked = toyFootprint(d => { void Object.getOwnPropertyDescriptor(d.mm.mmap_lock, 'writer'); });
  t.true(peeked.reads.includes('mm/mmap_lock/writer'));
  const tested = toyFootprint(d => { void ('released' in d.uffd[0]!); });
  t.true(tested.reads.includes('uffd/0/released'));
  const pushed = toyFootprint(d => { d.mm.mmap_lock.readers.push(0); });
  t.deepEqual(pushed.writes, ['mm/mmap_lock/readers', ...own]);
  // An element found by a search has no known index: a write through it is a write of the whole array.
  const changedFound = toyFootprint(d => { d.uffd[0]!.fault_wqh.find(u => u.tid === 1)!.msg.flags = 1; });
  t.deepEqual(changedFound.writes, [...own, 'uffd/0/fault_wqh']);
  const grown = toyFootprint(d => { d.mm.pte[d.mm.pte.length] = null; });
  t.true(grown.writes.includes('mm/pte'), 'a write past the end changes the array\'s length');
  const set = toyFootprint(d => { d.mm.pte[0] = { content: 1, writable: true, cache: false }; });
  t.deepEqual(set.writes, ['mm/pte/0', ...own]);
  const listed = toyFootprint(d => { void Object.keys(d.uffd[0]!.locks); });
  t.deepEqual(listed.deepReads, ['uffd/0/locks']);
  // State handed on whole (a reference stored elsewhere) is read whole and written: a later write below
  // either place changes both.
  const aliased = toyFootprint(d => { d.threads[0]!.user.inbox.push(d.uffd[0]!.fault_wqh[0]!.msg); });
  t.true(aliased.deepReads.includes('uffd/0/fault_wqh/0/msg') && aliased.writes.includes('uffd/0/fault_wqh/0/msg'));
  t.true(conflict(aliased, fp({ writes: ['uffd/0/fault_wqh/0/msg/flags'] })));
  // An array given to concat() is read whole, not written.
  const joined = toyFootprint(d => { void d.uffd[0]!.fault_wqh.concat(d.uffd[0]!.fault_pending_wqh); });
  t.true(joined.deepReads.includes('uffd/0/fault_pending_wqh'));
  t.false(joined.writes.includes('uffd/0/fault_pending_wqh'));
  // A fresh array (slice) is no state: sorting it writes nothing, and works where the state is read-only.
  const sortedCopy = toyFootprint(d => { void d.mm.vmas.slice().sort((a, b) => b.start - a.start); });
  t.deepEqual(sortedCopy.writes, own);
  t.true(sortedCopy.deepReads.includes('mm/vmas'));
  // A step that changes a fresh container after storing it (the recorder stores a copy) is refused.
  t.throws(() => toyFootprint(d => {
    const l = [d.uffd[0]!.fault_wqh[0]!];
    d.uffd[0]!.fault_pending_wqh = l;
    l.push(l[0]!);
  }), { message: /reached another state than a plain run/ });
  const frozen = buildModel(findScenario('fault-and-monitor')!, findVariant('mainline')!, { freeze: true });
  const s = frozen.init();
  t.throws(() => frozen.stepWithFootprint(s, frozen.actions(s)[0]!), { message: /frozen/ }, 'a frozen state cannot be recorded: an error, not a footprint that misses reads');
});
