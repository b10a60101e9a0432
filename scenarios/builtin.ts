/**
 * Built-in scenarios. Each is the same object a scenario JSON file holds
 * (`uffd-mc show NAME` prints it), run through the same validation.
 * Pages are area-relative: { area: 'A', page: 0 } is A's first page.
 */
import type { Scenario } from '../model/scenario.js';
import { parseScenario } from '../model/scenario.js';

const anon = (pages: number) => [{ name: 'A', pages, kind: 'anon', shared: false }];
const uffdU = (pages: number) => [{ name: 'U', features: [], register: [{ area: 'A', first: 0, pages, modes: ['MISSING'] }] }];

const raw: unknown[] = [
  {
    name: 'fault-and-monitor',
    description: 't0 reads a missing page of a MISSING-registered anon area; monitor m0 reads the fault message and UFFDIO_COPYs the page.',
    areas: anon(1), uffds: uffdU(1),
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'm0', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U' }, { op: 'resolve', uffd: 'U', how: 'copy' }] },
    ],
    expect: 'ok',
  },
  {
    name: 'fault-vs-copy',
    description: 't0 faults on A[0] while c0 UFFDIO_COPYs A[0] without reading any message: the copy may land before, during or after the fault is queued (the must_wait re-check race).',
    areas: anon(1), uffds: uffdU(1),
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'c0', role: 'monitor', ops: [{ op: 'copy', uffd: 'U', area: 'A', page: 0 }] },
    ],
    expect: 'ok',
  },
  {
    name: 'two-faulters-one-page',
    description: 't0 and t1 fault on the same page; m0 serves messages forever (COPY, ignoring EEXIST): one COPY must wake both.',
    areas: anon(1), uffds: uffdU(1),
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 't1', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'm0', role: 'monitor', ops: [{ op: 'serve', uffd: 'U', how: 'copy', onEEXIST: 'nothing' }] },
    ],
    expect: 'ok',
  },
  {
    name: 'dontwake-then-wake',
    description: 'm0 resolves t0\'s fault with UFFDIO_COPY_MODE_DONTWAKE, then UFFDIO_WAKE on the page: t0 must wake only through the WAKE.',
    areas: anon(1), uffds: uffdU(1),
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'm0', role: 'monitor', ops: [
        { op: 'read_msgs', uffd: 'U' },
        { op: 'resolve', uffd: 'U', how: 'copy', dontwake: true },
        { op: 'wake', uffd: 'U', area: 'A', first: 0, pages: 1 },
      ] },
    ],
    expect: 'ok',
  },
  {
    name: 'unregister-while-waiting',
    description: 't0 waits on A[0]; m0 reads the message and UFFDIO_UNREGISTERs the area instead of resolving: the unregister must wake t0, whose retry is an ordinary fault.',
    areas: anon(1), uffds: uffdU(1),
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'm0', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U' }, { op: 'unregister', uffd: 'U', area: 'A', first: 0, pages: 1 }] },
    ],
    expect: 'ok',
  },
  {
    name: 'close-while-waiting',
    description: 't0 waits on A[0]; m0 reads the message and closes the uffd: userfaultfd_release() must wake t0, whose retry is an ordinary fault (no SIGBUS).',
    areas: anon(1), uffds: uffdU(1),
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'm0', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U' }, { op: 'close', uffd: 'U' }] },
    ],
    expect: 'ok',
  },
  {
    name: 'refile-race',
    description: 't0 faults on A[0]; r reads the message (refiling it from fault_pending_wqh to fault_wqh) while c UFFDIO_COPYs A[0] and checks the queues locklessly: the smallest refile_seq race.',
    areas: anon(1), uffds: uffdU(1),
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'r', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U' }] },
      { name: 'c', role: 'monitor', ops: [{ op: 'copy', uffd: 'U', area: 'A', page: 0 }] },
    ],
    expect: 'ok',
  },
  {
    name: 'wake-reference',
    description: '3 faulting threads on 2 anon pages (t0, t2 on page 0; t1 on page 1); reader r: blocking read of one message, then UFFDIO_COPY of its page (EEXIST: nothing); background copier c: UFFDIO_COPY page 0 then page 1 (EEXIST: nothing).',
    areas: anon(2), uffds: uffdU(2),
    threads: [
      { name: 't0', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 't1', role: 'worker', ops: [{ op: 'read', area: 'A', page: 1 }] },
      { name: 't2', role: 'worker', ops: [{ op: 'read', area: 'A', page: 0 }] },
      { name: 'r', role: 'monitor', ops: [{ op: 'read_msgs', uffd: 'U', max: 1 }, { op: 'resolve', uffd: 'U', how: 'copy', onEEXIST: 'nothing' }] },
      { name: 'c', role: 'monitor', ops: [
        { op: 'copy', uffd: 'U', area: 'A', page: 0, onEEXIST: 'nothing' },
        { op: 'copy', uffd: 'U', area: 'A', page: 1, onEEXIST: 'nothing' },
      ] },
    ],
    expect: 'ok',
  },
];

/** The built-in scenarios, validated (a bad built-in is a bug: it throws at load). */
export const builtinScenarios: readonly Scenario[] = raw.map(parseScenario);

/** The raw JSON object of a built-in (for `uffd-mc show`). */
export function builtinScenarioJson(name: string): unknown {
  return raw.find(r => (r as { name: string }).name === name);
}

export function findScenario(name: string): Scenario | undefined {
  return builtinScenarios.find(s => s.name === name);
}
