/**
 * The runner's script (format documented at the top of conformance/runner.c)
 * for a conformance case.
 *
 * A case the model runs is validated by parseScenario() and written from the
 * parsed scenario. A case marked `kernelOnly` (operations or layouts the model
 * does not have yet: features not modelled) is written from the raw objects: every
 * operation parseScenario() knows is still parsed by it (so defaults are the
 * same on both paths), only the rest is read here.
 *
 * Shapes (mremap, madvise and raw_ioctl are now also model operations: model/scenario.ts):
 *   areas: { name, pages, kind: 'anon'|'shmem'|'hugetlb', mapped?: false }  (hugetlb pages are 2 MiB; a hugetlb area is
 *   MAP_SHARED unless shared: false, as in the model)
 *   { op: 'mremap', area, first, pages, new_pages, flags: ['MREMAP_MAYMOVE'|'MREMAP_FIXED'|'MREMAP_DONTUNMAP'], to: { area, first } | null }
 *   { op: 'madvise', area, first, pages, advice: 'MADV_DONTNEED'|'MADV_REMOVE' }
 *   { op: 'fork' }
 *   { op: 'raw_ioctl', uffd, cmd: 'REGISTER'|'UNREGISTER'|'WAKE'|'COPY'|'ZEROPAGE'|'CONTINUE'|'WRITEPROTECT',
 *     area, offset (bytes from the area's start, may be unaligned or negative), len (bytes, decimal or '0x..' text),
 *     mode (the ioctl's mode field), content (COPY's source byte) }
 * Features may also be written 'bit<N>' (a raw feature bit, e.g. one the kernel does not know).
 */
import type { Op, Scenario } from '../model/scenario.js';
import { parseScenario, UFFD_FEATURES } from '../model/scenario.js';

export interface ConformanceCase {
  name: string;
  /** A scenario object in the format of model/scenario.ts (validated by parseScenario unless kernelOnly). */
  scenario: object;
  /** Thread names; each entry runs that thread until it blocks or exits. */
  schedule: string[];
  /** Set when the mainline model is known to disagree with the kernel on this case: what differs. */
  disagreement?: string;
  /** The model cannot run this case yet (see the file comment): only the kernel side runs. */
  kernelOnly?: boolean;
  /** Needs this many 2 MiB huge pages reserved (/proc/sys/vm/nr_hugepages). */
  hugePages?: number;
}

export class ConformanceError extends Error {
  override name = 'ConformanceError';
}

type Obj = { [k: string]: unknown };

const NAME = /^[A-Za-z0-9_.-]{1,39}$/;
const MODE_BITS: { readonly [m: string]: number } = { MISSING: 1, WP: 2, MINOR: 4 };
const MREMAP_FLAGS: { readonly [f: string]: number } = { MREMAP_MAYMOVE: 1, MREMAP_FIXED: 2, MREMAP_DONTUNMAP: 4 };
const MADVICE: { readonly [a: string]: number } = { MADV_DONTNEED: 4, MADV_REMOVE: 9 };
const RAW_CMDS = ['REGISTER', 'UNREGISTER', 'WAKE', 'COPY', 'ZEROPAGE', 'CONTINUE', 'WRITEPROTECT'];

function checkName(what: string, name: string): string {
  if (!NAME.test(name)) throw new ConformanceError(`${what} name ${JSON.stringify(name)}: the runner needs [A-Za-z0-9_.-]{1,39}`);
  return name;
}

/** The feature bit of a UFFD_FEATURE_* name (prefix optional) or of 'bit<N>'. */
export function featureBit(name: string): number {
  const raw = /^bit([0-9]{1,2})$/.exec(name);
  if (raw !== null && Number(raw[1]) < 64) return Number(raw[1]);
  const bit = UFFD_FEATURES[name.startsWith('UFFD_FEATURE_') ? name : `UFFD_FEATURE_${name}`];
  if (bit === undefined) throw new ConformanceError(`unknown feature ${name}`);
  return bit;
}

function featureMask(names: readonly string[]): string {
  return `0x${names.reduce((m, n) => m | (1n << BigInt(featureBit(n))), 0n).toString(16)}`;
}

function modeMask(modes: readonly string[]): string {
  return `0x${modes.reduce((m, x) => m | (MODE_BITS[x] ?? 0), 0).toString(16)}`;
}

function byte(what: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 255) throw new ConformanceError(`${what} ${v}: the kernel side fills pages with one byte, so it must be 0..255`);
  return v;
}

/** A layout the runner knows: the model's areas, plus hugetlb and unmapped areas for kernel-only cases. */
interface LooseArea { name: string; pages: number; kind: string; mapped: boolean; file?: string }
interface Layout {
  areas: LooseArea[];
  uffds: { name: string; nonblock: boolean; api: boolean; features: string[]; register: { area: string; first: number; pages: number; modes: string[] }[] }[];
  threads: { name: string; ops: (Op | Obj)[] }[];
}

function str(o: Obj, k: string, where: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw new ConformanceError(`${where}.${k}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}
function int(o: Obj, k: string, where: string, dflt?: number): number {
  const v = o[k] ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ConformanceError(`${where}.${k}: expected an integer, got ${JSON.stringify(v)}`);
  return v;
}
function list(o: Obj, k: string): unknown[] {
  const v = o[k];
  return Array.isArray(v) ? v : [];
}

/** A kernel-only case's scenario, read leniently (see the file comment). */
function looseLayout(raw: Obj): Layout {
  const areas: LooseArea[] = list(raw, 'areas').map((a, i) => {
    const o = a as Obj;
    const w = `areas[${i}]`;
    return { name: str(o, 'name', w), pages: int(o, 'pages', w), kind: str(o, 'kind', w), mapped: o['mapped'] !== false };
  });
  const uffdNames = list(raw, 'uffds').map((u, i) => str(u as Obj, 'name', `uffds[${i}]`));
  // Known operations are parsed by parseScenario() in a scenario with the same area names and sizes.
  const probe = (op: unknown): Op | null => {
    try {
      const sc = parseScenario({
        name: 'probe', areas: areas.map(a => ({ name: a.name, pages: a.pages, kind: 'anon' })),
        uffds: uffdNames.map(name => ({ name })), threads: [{ name: 'p', ops: [op] }],
      });
      return sc.threads[0]!.ops[0]!;
    } catch {
      return null;
    }
  };
  return {
    areas,
    uffds: list(raw, 'uffds').map((u, i) => {
      const o = u as Obj;
      const w = `uffds[${i}]`;
      return {
        name: str(o, 'name', w), nonblock: o['nonblock'] === true, api: o['api'] !== false,
        features: list(o, 'features').map(f => String(f)),
        register: list(o, 'register').map((r, j) => {
          const ro = r as Obj;
          const area = areas.find(a => a.name === str(ro, 'area', `${w}.register[${j}]`));
          if (area === undefined) throw new ConformanceError(`${w}.register[${j}].area: no such area`);
          const first = int(ro, 'first', `${w}.register[${j}]`, 0);
          return { area: area.name, first, pages: int(ro, 'pages', `${w}.register[${j}]`, area.pages - first), modes: (ro['modes'] as string[] | undefined) ?? ['MISSING'] };
        }),
      };
    }),
    threads: list(raw, 'threads').map((t, i) => {
      const o = t as Obj;
      return { name: str(o, 'name', `threads[${i}]`), ops: list(o, 'ops').map(op => probe(op) ?? (op as Obj)) };
    }),
  };
}

function layoutOf(sc: Scenario): Layout {
  const other = sc.areas.find(a => a.cached !== null);
  if (other !== undefined) throw new ConformanceError(`area ${other.name}: the runner starts every file empty (no cached content)`);
  if (sc.hugetlb_fault_mutexes !== undefined) throw new ConformanceError('hugetlb_fault_mutexes: the kernel\'s fault mutex table cannot be resized from user space (the runner cannot run it)');
  // The runner's kinds: shmem is MAP_SHARED (shmem-private: a memfd MAP_PRIVATE); hugetlb is
  // MAP_ANONYMOUS|MAP_HUGETLB, MAP_SHARED ("hugetlb-shared", a hugetlbfs file with a page cache) or MAP_PRIVATE.
  const kind = (a: Scenario['areas'][number]): string =>
    (a.kind === 'hugetlb' ? (a.shared ? 'hugetlb-shared' : 'hugetlb') : a.kind === 'shmem' && !a.shared ? 'shmem-private' : a.kind);
  // Areas mapping the file of an earlier area name that area (file=AREA: the runner maps one memfd twice).
  const fileOf = (a: Scenario['areas'][number]): { file?: string } => {
    const first = sc.areas.find(b => b.kind === a.kind && b.file === a.file);
    return a.kind !== 'anon' && first !== undefined && first !== a ? { file: first.name } : {};
  };
  return { areas: sc.areas.map(a => ({ name: a.name, pages: a.pages, kind: kind(a), mapped: true, ...fileOf(a) })), uffds: sc.uffds, threads: sc.threads };
}

function opLine(l: Layout, op: Op | Obj, bases: readonly number[]): string {
  const globalPage = (area: string, page: number): number => bases[l.areas.findIndex(a => a.name === area)]! + page;
  const b = (v: boolean): string => (v ? '1' : '0');
  const o = op as Obj;
  const w = `operation ${JSON.stringify(op)}`;
  switch (o['op']) {
    case 'read': { const x = op as Extract<Op, { op: 'read' }>; return `op read ${x.area} ${x.page}`; }
    case 'write': { const x = op as Extract<Op, { op: 'write' }>; return `op write ${x.area} ${x.page} ${byte('write value', x.value)}`; }
    case 'api': { const x = op as Extract<Op, { op: 'api' }>; return `op api ${x.uffd} ${featureMask(x.features)}`; }
    case 'register': { const x = op as Extract<Op, { op: 'register' }>; return `op register ${x.uffd} ${x.area} ${x.first} ${x.pages} ${modeMask(x.modes)}`; }
    case 'unregister': { const x = op as Extract<Op, { op: 'unregister' }>; return `op unregister ${x.uffd} ${x.area} ${x.first} ${x.pages}`; }
    case 'wake': { const x = op as Extract<Op, { op: 'wake' }>; return `op wake ${x.uffd} ${x.area} ${x.first} ${x.pages}`; }
    case 'copy': {
      const x = op as Extract<Op, { op: 'copy' }>;
      // The model's default content (user.ts contentFor): 100 + the global page number.
      const content = x.content ?? 100 + globalPage(x.area, x.page);
      return `op copy ${x.uffd} ${x.area} ${x.page} ${x.pages} ${byte('copy content', content)} ${b(x.dontwake)} ${b(x.onEEXIST === 'wake')}`;
    }
    case 'zeropage': { const x = op as Extract<Op, { op: 'zeropage' }>; return `op zeropage ${x.uffd} ${x.area} ${x.page} ${x.pages} ${b(x.dontwake)} ${b(x.onEEXIST === 'wake')}`; }
    case 'close': return `op close ${(op as Extract<Op, { op: 'close' }>).uffd}`;
    case 'read_msgs': { const x = op as Extract<Op, { op: 'read_msgs' }>; return `op read_msgs ${x.uffd} ${x.max}`; }
    case 'munmap': { const x = op as Extract<Op, { op: 'munmap' }>; return `op munmap ${x.area} ${x.first} ${x.pages}`; }
    case 'resolve': case 'serve':
      throw new ConformanceError(`operation ${String(o['op'])} is a monitor policy the runner does not implement; use read_msgs and copy/zeropage with explicit pages`);
    case 'madvise': {
      const advice = MADVICE[str(o, 'advice', w)];
      if (advice === undefined) throw new ConformanceError(`${w}: advice must be one of ${Object.keys(MADVICE).join(', ')}`);
      return `op madvise ${str(o, 'area', w)} ${int(o, 'first', w)} ${int(o, 'pages', w)} ${advice}`;
    }
    case 'mremap': {
      const flags = list(o, 'flags').reduce<number>((m, f) => {
        const bit = MREMAP_FLAGS[String(f)];
        if (bit === undefined) throw new ConformanceError(`${w}: flag ${String(f)} is not one of ${Object.keys(MREMAP_FLAGS).join(', ')}`);
        return m | bit;
      }, 0);
      const to = o['to'] as Obj | null | undefined;
      const target = to === null || to === undefined ? '- 0' : `${str(to, 'area', w)} ${int(to, 'first', w, 0)}`;
      return `op mremap ${str(o, 'area', w)} ${int(o, 'first', w)} ${int(o, 'pages', w)} ${int(o, 'new_pages', w)} ${flags} ${target}`;
    }
    case 'fork': return 'op fork';
    case 'raw_ioctl': {
      const cmd = str(o, 'cmd', w);
      if (!RAW_CMDS.includes(cmd)) throw new ConformanceError(`${w}: cmd must be one of ${RAW_CMDS.join(', ')}`);
      const len = typeof o['len'] === 'string' ? (o['len'] as string) : String(int(o, 'len', w));
      return `op raw ${str(o, 'uffd', w)} ${cmd.toLowerCase()} ${str(o, 'area', w)} ${int(o, 'offset', w, 0)} ${len} ${int(o, 'mode', w, 0)} ${byte('content', int(o, 'content', w, 1))}`;
    }
    default: throw new ConformanceError(`${w}: not an operation the runner knows`);
  }
}

/** The runner script for a case. */
export function scriptFor(c: ConformanceCase): string {
  const l = c.kernelOnly === true ? looseLayout(c.scenario as Obj) : layoutOf(parseScenario(c.scenario));
  // The model's layout (model/user.ts areaBases()): areas in order, one hole page after each.
  const bases = l.areas.map((_, i) => l.areas.slice(0, i).reduce((n, a) => n + a.pages + 1, 0));
  const lines: string[] = [`# conformance case ${c.name}`];
  for (const a of l.areas) lines.push(`area ${checkName('area', a.name)} ${a.kind} ${a.pages}${a.mapped ? '' : ' unmapped'}${a.file === undefined ? '' : ` file=${a.file}`}`);
  for (const u of l.uffds) lines.push(`uffd ${checkName('uffd', u.name)} ${u.nonblock ? 1 : 0}`);
  // Setup in the model's order (model/index.ts setupOps): every UFFDIO_API, then every UFFDIO_REGISTER.
  for (const u of l.uffds) if (u.api) lines.push(`setup-api ${u.name} ${featureMask(u.features)}`);
  for (const u of l.uffds) for (const r of u.register) lines.push(`setup-register ${u.name} ${r.area} ${r.first} ${r.pages} ${modeMask(r.modes)}`);
  for (const t of l.threads) {
    lines.push(`thread ${checkName('thread', t.name)}`);
    for (const op of t.ops) lines.push(opLine(l, op, bases));
  }
  for (const name of c.schedule) {
    if (!l.threads.some(t => t.name === name)) throw new ConformanceError(`schedule names thread ${name}, which ${c.name} does not have`);
    lines.push(`run ${name}`);
  }
  return `${lines.join('\n')}\n`;
}
