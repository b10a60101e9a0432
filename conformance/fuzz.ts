/**
 * Differential fuzzing: fast-check generates small sequential conformance
 * cases (one thread, random ioctls, accesses, reads and closes, invalid
 * values included: ranges past a registration, unregistered areas, a missing
 * UFFDIO_API, raw ioctls with misaligned starts, zero, unaligned and huge
 * lengths and mode bits the ioctl refuses), runs each on the real kernel and on the model, and shrinks any
 * difference to a minimal case.
 *
 * One thread only: with a second thread, a thread woken while the other holds
 * the turn retries its fault at once on the kernel but only on its next turn
 * in the model, which is not a difference in behaviour. A thread that blocks
 * in a fault ends its script there (both sides report it blocked).
 */
import fc from 'fast-check';
import type { ConformanceCase } from './index.js';
import { compare, runOnKernel, runOnModel, scriptFor } from './index.js';

type Obj = { [k: string]: unknown };

const byte = fc.integer({ min: 1, max: 255 });
const PAGE = 4096;

/** Raw ioctl commands, and the mode values tried for each (valid ones, and bits the ioctl refuses). */
const RAW_CMDS = ['REGISTER', 'UNREGISTER', 'WAKE', 'COPY', 'ZEROPAGE', 'WRITEPROTECT'] as const;
const RAW_MODES: { readonly [cmd: string]: readonly number[] } = {
  REGISTER: [1, 1, 2, 3, 4, 5, 0, 8, 9, 0x80000000],
  UNREGISTER: [0], WAKE: [0], // no mode field
  COPY: [0, 0, 0, 1, 1, 2, 3, 4, 0x80000000, 0xffffffff],
  ZEROPAGE: [0, 0, 1, 2, 3, 0xffffffff],
  WRITEPROTECT: [0, 1, 1, 2, 3, 4],
};
/** Lengths that fail validate_range() wherever the layout is: 2^64 - 4096 (wraps), 2^56 and 2^63 (past TASK_SIZE). */
const HUGE_LENS = ['0xfffffffffffff000', '0x100000000000000', '0x8000000000000000'];

/**
 * A raw ioctl (model/scenario.ts raw_ioctl) from the numbers drawn for it: a
 * page-aligned start 7 times in 8 (else 1..4095 bytes past a page), a length
 * of one page or of whole pages that end inside the layout 6 times in 10,
 * else 0, an unaligned length or a huge one, and a mode from RAW_MODES.
 */
function rawOp(areaObjs: readonly { name: string; pages: number }[], u: string, r: { a: number; b: number; c: number; v: number; x: number }): Obj {
  const area = areaObjs[r.a % areaObjs.length]!;
  const areaStart = areaObjs.slice(0, areaObjs.indexOf(area)).reduce((n, x) => n + (x.pages + 1) * PAGE, 0);
  const layoutPages = areaObjs.reduce((n, x) => n + x.pages + 1, 0);
  const cmd = RAW_CMDS[r.x % RAW_CMDS.length]!;
  const modes = RAW_MODES[cmd]!;
  // The start: a page of this area or its trailing hole, sometimes misaligned.
  const page = r.b % (area.pages + 1);
  const offset = page * PAGE + (r.x % 8 === 7 ? 1 + (r.v * 16) % (PAGE - 1) : 0);
  const room = layoutPages - (areaStart / PAGE + page); // whole pages from the start to the layout's end
  const lenKind = r.c % 10;
  const len = lenKind < 3 ? PAGE : lenKind < 6 ? (1 + (r.c >> 4) % room) * PAGE
    : lenKind === 6 ? 0
      : lenKind === 7 ? (1 + (r.c >> 4) % room) * PAGE - 512 * (1 + r.v % 7)
        : HUGE_LENS[(r.c >> 4) % HUGE_LENS.length]!;
  return { op: 'raw_ioctl', uffd: u, cmd, area: area.name, offset, len, mode: modes[(r.x >> 3) % modes.length]!, content: r.v };
}

/** Register modes: MISSING most of the time; WP, MINOR and mode 0 (refused) too. */
const MODES: readonly string[][] = [['MISSING'], ['MISSING'], ['MISSING'], ['WP'], ['MISSING', 'WP'], ['MINOR'], ['MISSING', 'MINOR'], ['WP', 'MINOR'], []];

/**
 * An arbitrary case: 1–2 areas, 1–2 uffds (U may be set up, V never is), one
 * worker with 1–8 operations. A case that registers WP or MINOR anywhere has
 * its memory accesses dropped (the model has no WP or MINOR faults: see
 * model/scenario.ts); setup registers only modes the area accepts.
 */
export const caseArb: fc.Arbitrary<ConformanceCase> = fc
  .record({
    areas: fc.array(fc.record({ kind: fc.constantFrom('anon', 'shmem'), pages: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 2 }),
    twoUffds: fc.boolean(),
    uApi: fc.constantFrom(true, true, true, false), // UFFDIO_API in setup 3 times out of 4
    uNonblock: fc.boolean(),
    seeds: fc.array(fc.record({ kind: fc.integer({ min: 0, max: 13 }), a: fc.nat(), b: fc.nat(), c: fc.nat(), v: byte, flag: fc.boolean(), x: fc.nat() }), { minLength: 1, maxLength: 8 }),
    registers: fc.array(fc.record({ a: fc.nat(), b: fc.nat(), c: fc.nat(), m: fc.nat() }), { maxLength: 2 }),
    opModes: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
  })
  .map(({ areas, twoUffds, uApi, uNonblock, seeds, registers, opModes }) => {
    const names = ['A', 'B'];
    const areaObjs = areas.map((a, i) => ({ name: names[i]!, pages: a.pages, kind: a.kind }));
    const pick = <T>(xs: readonly T[], n: number): T => xs[n % xs.length]!;
    const range = (a: number, b: number, c: number): { area: string; first: number; pages: number } => {
      const area = pick(areaObjs, a);
      const first = b % area.pages;
      return { area: area.name, first, pages: 1 + (c % (area.pages - first)) };
    };
    const setupModes = (area: string, m: number): string[] => {
      const modes = pick(MODES.slice(0, -1), m);
      return modes.includes('MINOR') && areaObjs.find(a => a.name === area)!.kind === 'anon' ? ['MISSING'] : modes;
    };
    const uffds: Obj[] = [{
      name: 'U', nonblock: uNonblock, api: uApi,
      register: uApi ? registers.map(r => { const x = range(r.a, r.b, r.c); return { ...x, modes: setupModes(x.area, r.m) }; }) : [],
    }];
    if (twoUffds) uffds.push({ name: 'V', nonblock: true, api: false });
    const uffdNames = uffds.map(u => u['name'] as string);
    const ops: Obj[] = seeds.map(({ kind, a, b, c, v, flag, x }, i) => {
      const u = pick(uffdNames, c);
      const r = range(a, b, c);
      switch (kind) {
        case 0: return { op: 'read', area: r.area, page: r.first };
        case 1: return { op: 'write', area: r.area, page: r.first, value: v };
        case 2: return { op: 'copy', uffd: u, area: r.area, page: r.first, pages: r.pages, content: v, dontwake: flag };
        case 3: return { op: 'zeropage', uffd: u, area: r.area, page: r.first, pages: r.pages, dontwake: flag };
        case 4: return { op: 'wake', uffd: u, ...r };
        case 5: return { op: 'register', uffd: u, ...r, modes: pick(MODES, opModes[i]!) };
        case 6: return { op: 'unregister', uffd: u, ...r };
        case 7: return { op: 'api', uffd: u, features: flag ? ['THREAD_ID'] : v % 4 === 0 ? ['bit17'] : [] };
        case 8: return { op: 'read_msgs', uffd: u, max: 1 + (a % 2) };
        case 9: return v % 2 === 0 ? { op: 'close', uffd: u } : { op: 'munmap', area: r.area, first: r.first, pages: r.pages };
        case 10: return { op: 'copy', uffd: u, area: r.area, page: r.first, pages: 1, content: v, onEEXIST: 'wake' };
        default: return rawOp(areaObjs, u, { a, b, c, v, x });
      }
    });
    const notMissing = (o: Obj): boolean => (Array.isArray(o['modes']) && (o['modes'] as string[]).some(m => m !== 'MISSING')) ||
      (o['op'] === 'raw_ioctl' && o['cmd'] === 'REGISTER' && ((o['mode'] as number) & 6) !== 0);
    const wpOrMinor = ops.some(notMissing) || (uffds[0]!['register'] as Obj[]).some(notMissing);
    if (wpOrMinor) {
      const kept = ops.filter(o => o['op'] !== 'read' && o['op'] !== 'write');
      if (kept.length === 0) kept.push({ op: 'read_msgs', uffd: 'U', max: 1 });
      ops.splice(0, ops.length, ...kept);
    }
    return { name: 'fuzz', scenario: { name: 'fuzz', areas: areaObjs, uffds, threads: [{ name: 'w', ops }] }, schedule: ['w'] };
  });

export interface FuzzReport {
  runs: number;
  seed: number;
  /** null when every generated case agreed; else the shrunk case, its script and the differences. */
  failure: null | { case: ConformanceCase; script: string; diffs: string[] };
}

/** Run `numRuns` generated cases with `seed` against the compiled runner. */
export function fuzzKernel(runner: string, seed: number, numRuns: number): FuzzReport {
  const result = fc.check(
    fc.property(caseArb, c => compare(runOnKernel(c, runner), runOnModel(c)).length === 0),
    { seed, numRuns, endOnFailure: false },
  );
  if (!result.failed || result.counterexample === null) return { runs: result.numRuns, seed, failure: null };
  const c = result.counterexample[0];
  return { runs: result.numRuns, seed, failure: { case: c, script: scriptFor(c), diffs: compare(runOnKernel(c, runner), runOnModel(c)) } };
}
