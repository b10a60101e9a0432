/**
 * The userfaultfd model as a transition system: build the initial state of a
 * scenario (running its setup — UFFDIO_API and UFFDIO_REGISTER — through the
 * same kernel steps, sequentially), list the enabled actions (one per thread
 * whose next step can run), and take a step (immer produce over the state).
 *
 * This module knows nothing of the checker; cli/ adapts it to checker/Model.
 */
import { enableArrayMethods, Immer } from 'immer';
import type { Kernel } from './engine.js';
import { enabled, isLocal, last, ModelError, nextStep, runThread, thread } from './engine.js';
import type { Op, Scenario } from './scenario.js';
import { ScenarioError } from './scenario.js';
import type { KernelState, Thread, Tid, Vma } from './state.js';
import { newCtx, newFrame, newRwSem } from './state.js';
import { areaBases, totalPages, userProgram } from './user.js';
import type { Variant } from './variants.js';
import { recordTransition, type Footprint } from './footprint.js';
import { kernelFor } from './variants.js';

/**
 * Steps never mutate their input (immer copies on write). Deep-freezing every
 * produced state would enforce it at run time, but costs a walk of every new
 * object per step: exploration runs unfrozen, and the tests build models with
 * `freeze: true`, where any write to a state outside produce() throws.
 */
const thawed = new Immer({ autoFreeze: false });
/*
 * immer's array-methods plugin: find/filter/some/every/includes/indexOf run
 * on the array itself (predicates see the elements, not drafts of them) and
 * push/pop/shift/splice/sort act on the copy at once, instead of going
 * through the proxy index by index and drafting every element they look at.
 * Same results for pure predicates and primitive arguments to
 * includes/indexOf, which is all the model passes (the frozen explorations in
 * test/model/state.test.ts would catch a predicate that writes).
 */
enableArrayMethods();
const frozen = new Immer({ autoFreeze: true });

export interface BuildOptions {
  /** Deep-freeze every state (immer autoFreeze): slower; for tests that check that nothing mutates a state. */
  freeze?: boolean;
  /**
   * Fold local steps into their neighbours (default true): a transition is
   * "local steps, at most one shared step, local steps" (model/engine.ts). With
   * false every step is its own transition: the unreduced search, for
   * measuring the reduction and testing that it loses no violation.
   */
  fold?: boolean;
  /**
   * Partial-order reduction (only with fold; default false here, so that a
   * test or the conformance runner can drive any thread; a check turns it
   * on, cli/api.ts CheckOptions.por): after each transition, every thread
   * whose next step is local and can run (a thread just woken, or whose next
   * read became stable) runs its local steps at once, as part of that
   * transition (settle() in buildModel()).
   */
  por?: boolean;
}

export interface UffdModel {
  readonly scenario: Scenario;
  readonly variant: Variant;
  readonly kernel: Kernel;
  init(): KernelState;
  /** Threads that can take a step, in thread order. */
  actions(s: KernelState): number[];
  step(s: KernelState, t: Tid): KernelState;
  encode(s: KernelState): string;
  /** "t0 handle_userfault():queue" */
  label(s: KernelState, t: Tid): string;
  /** The thread that takes action `t`: the action is the tid. */
  actor(s: KernelState, t: Tid): number;
  /**
   * Like step(), also returning the labels of the steps run: the action's step and the local ones folded
   * into it ("fn():label"), then, with BuildOptions.por, other threads' local steps ("thread fn():label").
   */
  stepWithLabels(s: KernelState, t: Tid): { next: KernelState; ran: string[] };
  /** Like step(), also returning what the transition read and wrote (model/footprint.ts; several times slower). */
  stepWithFootprint(s: KernelState, t: Tid): { next: KernelState; footprint: Footprint };
}

function newThread(name: string, role: Thread['role'], ops: readonly Op[]): Thread {
  return {
    // The op kinds, plus 'retry-on-eagain' for a monitor policy that expects EAGAIN (properties' goals use this).
    name, role, does: [...new Set(ops.flatMap(o => ('onEAGAIN' in o && o.onEAGAIN === 'retry' ? [o.op, 'retry-on-eagain'] : [o.op])))].sort(), task: 'RUNNING',
    frames: [newFrame('user', 'next')],
    user: { pc: 0, sub: 0, iter: 0, inbox: [], outcomes: [] },
  };
}


/** The setup program: UFFDIO_API then every UFFDIO_REGISTER of the scenario's uffds, with the field each comes from. */
function setupOps(sc: Scenario): { ops: Op[]; fields: string[] } {
  const ops: Op[] = [];
  const fields: string[] = [];
  sc.uffds.forEach((u, i) => {
    if (u.api) { ops.push({ op: 'api', uffd: u.name, features: u.features }); fields.push(`uffds[${i}].api`); }
  });
  sc.uffds.forEach((u, i) => u.register.forEach((r, j) => {
    ops.push({ op: 'register', uffd: u.name, ...r });
    fields.push(`uffds[${i}].register[${j}]`);
  }));
  return { ops, fields };
}

/** The page-cache index (Vma.file) of area i: the first shmem/hugetlb area mapping the same file; an anon area's own index. */
export function fileIndex(sc: Scenario, i: number): number {
  const a = sc.areas[i]!;
  return a.kind !== 'anon' ? sc.areas.findIndex(b => b.kind === a.kind && b.file === a.file) : i;
}

export function buildModel(sc: Scenario, variant: Variant, options: BuildOptions = {}): UffdModel {
  const { produce } = options.freeze === true ? frozen : thawed;
  const fold = options.fold ?? true;
  const por = fold && options.por === true;
  const { ops: setup, fields: setupFields } = setupOps(sc);
  const programs: Op[][] = [...sc.threads.map(t => t.ops), setup];
  const base = kernelFor(variant);
  const kernel: Kernel = { ...base, user: userProgram(sc, programs) };
  const setupTid = sc.threads.length;

  function normalise(s: KernelState): KernelState {
    for (let t = 0; t < s.threads.length; t++) s = runThread(kernel, s, t, false, produce, fold).next;
    return por ? settle(s, []) : s;
  }

  function init(): KernelState {
    const bases = areaBases(sc);
    const files = sc.areas.map((_, i) => fileIndex(sc, i));
    const vmas: Vma[] = sc.areas.flatMap((a, i) => (a.mapped ? [{
      start: bases[i]!, end: bases[i]! + a.pages, area: i, file: files[i]!, pgoff: 0, kind: a.kind, shared: a.shared, uffd: null, uffd_flags: [],
    }] : []));
    // One page cache per shmem or hugetlbfs file, held by the first area that maps it, as long as its largest mapping.
    const pageCache = sc.areas.map((a, i) => {
      if (a.kind === 'anon' || files[i] !== i) return [];
      const mappers = sc.areas.filter((b, j) => b.kind !== 'anon' && files[j] === i);
      const cached = mappers.find(b => b.cached !== null)?.cached ?? null;
      return new Array<number | null>(Math.max(...mappers.map(b => b.pages))).fill(cached);
    });
    // Ghost: a cached file's content was stored before the scenario: every address mapping it should see it.
    const expect = new Array<number | null>(totalPages(sc)).fill(null);
    sc.areas.forEach((a, i) => {
      if (!a.mapped || a.kind === 'anon') return;
      const cache = pageCache[files[i]!]!;
      for (let p = 0; p < a.pages; p++) expect[bases[i]! + p] = cache[p] ?? null;
    });
    let s: KernelState = {
      mm: {
        vmas,
        pte: new Array<null>(totalPages(sc)).fill(null),
        mmap_lock: newRwSem(),
        page_cache: pageCache,
        hugetlb_fault_mutexes: sc.hugetlb_fault_mutexes ?? 0,
        hugetlb_fault_mutex: [],
      },
      children: [],
      uffd: sc.uffds.map(u => newCtx(u.name, u.nonblock)),
      threads: [...sc.threads.map(t => newThread(t.name, t.role, t.ops)), newThread('setup', 'worker', setup)],
      expect,
      unmaps: [],
      events: [],
      next_event: 0,
      fills_in_event: [],
      view: sc.uffds.map(() => []),
      removing: [],
      forks: [],
    };
    // Run the setup thread alone, to completion.
    s = runThread(kernel, s, setupTid, false, produce).next;
    for (let i = 0; thread(s, setupTid).frames.length > 0; i++) {
      if (i > 10_000 || !enabled(kernel, s, setupTid)) throw new ScenarioError(`setup of scenario ${sc.name} did not complete (stuck at ${labelOf(s, setupTid)})`);
      s = runThread(kernel, s, setupTid, true, produce).next;
    }
    const setupThread = thread(s, setupTid);
    const failed = setupThread.user.outcomes.find(o => o.ret !== '0');
    if (failed !== undefined) {
      throw new ScenarioError(`${setupFields[failed.op]}: setup's ${failed.what} failed with ${failed.ret} (as the kernel would: check the registrations)`);
    }
    return normalise(produce(s, d => { d.threads.pop(); }));
  }

  function labelOf(s: KernelState, t: Tid): string {
    const th = thread(s, t);
    const f = last(th.frames);
    return f === undefined ? `${th.name} (exited)` : `${th.name} ${f.fn}():${f.at}`;
  }

  /** Thread t's next step is local in s (model/engine.ts Step.local) and its guard holds. */
  function atLocalStep(s: KernelState, t: Tid): boolean {
    const st = nextStep(kernel, s, t);
    return st !== null && isLocal(st, s, t) && (st.guard === undefined || st.guard(s, t));
  }

  /**
   * With `por`: run every thread that is at a local step that can run (a
   * thread a wake made runnable, returning from schedule(); one whose next
   * read became stable when a page arrived) through its local steps, up to
   * its next shared one, in thread order, until none is left; each one's
   * labels go to `ran` as "thread fn():label". Why the states skipped lose
   * no violation, goal or terminal state (a persistent set taken at once:
   * Godefroid def. 4.1, Peled's ample sets):
   * - persistent: a local step commutes with every step of every other
   *   thread and its guard stays true once true (the Step.local contract,
   *   checked state by state by test/model/locality.test.ts), so whatever
   *   the other threads would have done first, the prefixes could still be
   *   run after it, to the same states;
   * - invisible: a local step fixes no property (a violated one stays
   *   violated, a goal met stays met; the same test), so the state before
   *   them need not be judged, and it is not terminal (a step could run);
   * - no postponement: they run at once, so no cycle proviso is needed;
   * - symmetry: the prefixes commute with each other, so the result does not
   *   depend on the thread order, and renaming threads still maps
   *   successors onto successors.
   */
  function settle(s: KernelState, ran: string[]): KernelState {
    for (let rounds = 0, again = true; again; rounds++) {
      if (rounds > 100 * s.threads.length) throw new ModelError(`local steps keep enabling each other (${ran.slice(-3).join(' ')})`);
      again = false;
      for (let u = 0; u < s.threads.length; u++) {
        if (!atLocalStep(s, u)) continue;
        const p = runThread(kernel, s, u, false, produce, fold);
        for (const l of p.ran) ran.push(`${thread(s, u).name} ${l}`);
        s = p.next;
        again = true;
      }
    }
    return s;
  }

  function actions(s: KernelState): number[] {
    const out: number[] = [];
    for (let t = 0; t < s.threads.length; t++) if (enabled(kernel, s, t)) out.push(t);
    return out;
  }

  /** Thread t's transition; with `por`, followed by every local step that can then run (settle()). */
  function stepWithLabels(s: KernelState, t: Tid): { next: KernelState; ran: string[] } {
    const r = runThread(kernel, s, t, true, produce, fold);
    return por ? { next: settle(r.next, r.ran), ran: r.ran } : r;
  }

  return {
    scenario: sc,
    variant,
    kernel,
    init,
    actions,
    step: (s, t) => stepWithLabels(s, t).next,
    stepWithLabels,
    stepWithFootprint: (s, t) => {
      if (por) throw new Error('footprint: recorded on a model without the partial-order reduction (BuildOptions.por)');
      return recordTransition(kernel, s, t, produce, fold);
    },
    encode: s => JSON.stringify(s),
    label: labelOf,
    actor: (_s, t) => t,
  };
}

export { nextStep };
