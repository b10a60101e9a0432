/**
 * The step engine: kernel functions as tables of labelled atomic steps.
 *
 * A thread's position is its top frame (function, label). The step for that
 * label has an optional guard (can it run now? false = the thread is blocked
 * or spinning) and a `run` that mutates an immer draft of the state: it does
 * the step's shared-memory work and moves the thread on with goTo / call / ret.
 *
 * Step boundaries sit where the kernel takes or drops a lock, publishes to
 * another thread, reads shared state locklessly, or sleeps. Work that only
 * touches the thread's own locals is folded into the neighbouring step.
 */
import type { Frame, Json, KernelState, Thread, Tid } from './state.js';
import { newFrame } from './state.js';

export interface Step {
  /** One line: what the kernel does here (shown by `uffd-mc list --steps` and in traces). */
  readonly doc: string;
  /** Can the thread take this step in `s`? Absent means always. */
  readonly guard?: (s: KernelState, t: Tid) => boolean;
  /** When the guard is false: what the thread waits for, for deadlock reports. */
  readonly waitsFor?: (s: KernelState, t: Tid) => string;
  readonly run: (d: KernelState, t: Tid, k: Kernel) => void;
  /**
   * True when running the step reads and writes no shared state (only the
   * thread's own locals and user memory, or nothing: schedule() returning
   * once woken). Such a step is not a scheduling point: it commutes with
   * every other thread's steps, so it runs in the same transition as its
   * neighbours. A transition is: local steps, at most one shared step, local
   * steps. The guard of a local step must stay true once it is true.
   * A function: local in some states only (e.g. a read of a variable that no
   * thread of this scenario can write). A few local steps commute only up to
   * a convergence that their comment argues (both orders reach the same state
   * before anything can observe the difference, e.g. handle_userfault():
   * released_before_sleep), not step for step; test/reduction.test.ts checks
   * that folding keeps every verdict, and model/footprint.ts records local
   * steps like shared ones. With the partial-order reduction (model/index.ts
   * settle()) a local step of a thread that another thread's transition made
   * runnable also runs at once, inside that transition. Every local step must
   * also fix no property (a violated one stays violated, a goal met stays
   * met); test/model/locality.test.ts checks all of this state by state.
   */
  readonly local?: boolean | ((s: KernelState, t: Tid) => boolean);
}

export interface KernelFn {
  /** The kernel's identifier, e.g. 'handle_userfault'. */
  readonly name: string;
  /** File (and function, if not the same name) in the kernel tree. */
  readonly cites: string;
  readonly entry: string;
  readonly steps: { readonly [label: string]: Step };
}

/** The whole model's code: every kernel function by name. A variant is another Kernel. */
export type Kernel = { readonly [fn: string]: KernelFn };

export class ModelError extends Error {
  override name = 'ModelError';
}

/** Last element of an array (index access: cheaper than .at() on immer drafts). */
export function last<T>(a: readonly T[]): T | undefined {
  return a[a.length - 1];
}

export function thread(s: KernelState, t: Tid): Thread {
  const th = s.threads[t];
  if (th === undefined) throw new ModelError(`no thread ${t}`);
  return th;
}

/**
 * top()'s last answer. A step calls top() (through local(), goTo(), ...) many
 * times on one draft, and each walk down threads[t].frames[last] goes through
 * four of immer's proxy traps. The answer stays right while that state
 * object's frame stack for that thread is unchanged: plain states never
 * change, and on a draft only call(), ret() and exitThread() change it, and
 * they forget it.
 */
let topState: KernelState | null = null;
let topTid = -1;
let topFrame: Frame | null = null;

function forgetTop(): void {
  topState = null;
  topFrame = null;
}

export function top(s: KernelState, t: Tid): Frame {
  if (topState === s && topTid === t) return topFrame!;
  const f = last(thread(s, t).frames);
  if (f === undefined) throw new ModelError(`thread ${thread(s, t).name} has exited`);
  topState = s;
  topTid = t;
  topFrame = f;
  return f;
}

/** End thread t at once (its process dies): no frame left. */
export function exitThread(d: KernelState, t: Tid): void {
  forgetTop();
  thread(d, t).frames = [];
}

/**
 * The current value of property `key` of `o` (a plain object or an immer
 * draft) without making a draft of it: a draft's getOwnPropertyDescriptor
 * trap gives the latest value as it is. Cheaper than `o[key]` on a draft
 * when the value is an object that is only read (each draft costs a proxy, a
 * copy of its parent and work when the produce() ends).
 */
function peek(o: object, key: string): unknown {
  return Object.getOwnPropertyDescriptor(o, key)?.value;
}

export function local<T extends Json>(s: KernelState, t: Tid, key: string): T {
  const f = top(s, t);
  // Read a primitive without drafting the locals object; an object value
  // through the draft, so that changes made to it are recorded.
  const v = (peek(f, 'locals') as { [k: string]: Json })[key];
  if (v === undefined) throw new ModelError(`${f.fn}: no local '${key}'`);
  return (typeof v === 'object' && v !== null ? f.locals[key] : v) as T;
}

export function goTo(d: KernelState, t: Tid, label: string): void {
  top(d, t).at = label;
}

/** Push a call to `fn`; when it returns, the caller continues at `resumeAt` with the value in frame.rv. */
export function call(d: KernelState, t: Tid, k: Kernel, fn: string, locals: { [k: string]: Json }, resumeAt: string): void {
  const callee = k[fn];
  if (callee === undefined) throw new ModelError(`call to unknown kernel function ${fn}()`);
  top(d, t).at = resumeAt;
  forgetTop();
  thread(d, t).frames.push(newFrame(fn, callee.entry, locals));
}

/** Return `value` to the caller (or end the thread if this was its last frame). */
export function ret(d: KernelState, t: Tid, value: Json): void {
  forgetTop();
  const frames = thread(d, t).frames;
  frames.pop();
  const caller = frames.at(-1);
  if (caller !== undefined) caller.rv = value;
}

export function stepOf(k: Kernel, f: Frame): Step {
  const fn = k[f.fn];
  const step = fn?.steps[f.at];
  if (step === undefined) throw new ModelError(`no step ${f.fn}():${f.at} in this kernel model`);
  return step;
}

/** The step thread `t` would take next, or null if it has exited. */
export function nextStep(k: Kernel, s: KernelState, t: Tid): Step | null {
  const f = last(thread(s, t).frames);
  return f === undefined ? null : stepOf(k, f);
}

export function enabled(k: Kernel, s: KernelState, t: Tid): boolean {
  const st = nextStep(k, s, t);
  return st !== null && (st.guard === undefined || st.guard(s, t));
}

export function isLocal(st: Step, s: KernelState, t: Tid): boolean {
  return typeof st.local === 'function' ? st.local(s, t) : st.local === true;
}

/** How many steps one transition may run before we call it a model bug (an endless local loop). */
const MAX_LOCAL_RUN = 10_000;

/** immer's produce (an Immer instance's: model/index.ts chooses whether it freezes). */
export type Produce = (base: KernelState, recipe: (d: KernelState) => void) => KernelState;

/**
 * Run thread t's next step on state s (the action), then keep going while the
 * transition stays "local steps, at most one shared step, local steps":
 * stop before a second shared step, at a false guard, or when the thread exits.
 * With first = false (normalising an initial state) only local steps run.
 * With fold = false exactly one step runs (none when normalising): the
 * unreduced transition system, against which the folding is measured and tested.
 * Returns the state after, and the labels run, "fn():label" each.
 *
 * Each step is its own produce(): the guard and the locality of the next step
 * are decided on the plain state between two steps, which reads it directly
 * instead of through immer's proxies (a read through a draft creates a proxy
 * and copies its parent). Same steps, same order, same result as one produce
 * over the whole transition (measured: cheaper, with 1.7 steps per transition
 * on wake-reference, and again 5-10% cheaper with the longer transitions of
 * the scenario-dependent local steps).
 */
export function runThread(k: Kernel, s: KernelState, t: Tid, first: boolean, produce: Produce, fold = true, views?: StateViews): { next: KernelState; ran: string[] } {
  const ran: string[] = [];
  let shared = first ? 0 : 1;
  for (let i = 0; ; i++) {
    // Unfolded (BuildOptions.fold = false): every step is its own transition.
    if (!fold && (i > 0 || !first)) break;
    if (i > MAX_LOCAL_RUN) throw new ModelError(`thread ${thread(s, t).name}: more than ${MAX_LOCAL_RUN} local steps in a row (${ran.slice(-3).join(' ')})`);
    const v = views === undefined ? s : views.plain(s);
    const f = last(thread(v, t).frames);
    if (f === undefined) break;
    const st = stepOf(k, f);
    const isShared = !isLocal(st, v, t);
    if (i > 0 || !first) {
      if (isShared && shared > 0) break;
      if (st.guard !== undefined && !st.guard(v, t)) break;
    }
    if (isShared) shared += 1;
    ran.push(`${f.fn}():${f.at}`);
    s = produce(s, d => { st.run(views === undefined ? d : views.draft(d), t, k); });
  }
  return { next: s, ran };
}

/** How runThread() lets a step see the state it decides on and the draft it changes (model/footprint.ts records through these). */
export interface StateViews {
  plain(s: KernelState): KernelState;
  draft(d: KernelState): KernelState;
}

export function setLocal(d: KernelState, t: Tid, key: string, value: Json): void {
  top(d, t).locals[key] = value;
}

/** Locals that name what a step works on (a uffd, an address, a range, a fault mutex): part of a thread's position. */
const OBJECT_LOCALS = ['ctx', 'addr', 'page', 'dst', 'copied', 'start', 'end', 'len', 'r_start', 'r_end', 'new_addr', 'old_len', 'new_len', 'hash'];

/**
 * Where thread t is in its program, as a name that is the same wherever it
 * would step the same way on the same objects: the thread (its program names
 * the pages of its next operation), its user program counter and phase, and
 * its call stack, each frame's function:label with the locals that name
 * objects; null once it has exited. For estimating what per-step
 * footprints would let a partial-order reduction save (checker/independence.ts).
 * The locals not named (flags, values read) are left out: two threads at the
 * same position may still step differently, which only makes the estimate
 * coarser.
 */
export function threadPosition(s: KernelState, t: Tid): string | null {
  const th = thread(s, t);
  if (th.frames.length === 0) return null;
  let out = `${th.name} ${th.user.pc}.${th.user.sub}`;
  for (const f of th.frames) {
    out += ` ${f.fn}:${f.at}(`;
    for (const k of OBJECT_LOCALS) {
      const v = f.locals[k];
      if (typeof v === 'number') out += `${k}=${v},`;
    }
    out += ')';
  }
  return out;
}

/** threadPosition() of every live thread, by tid as text (the checker's actor names: cli/api.ts toCheckerModel). */
export function threadPositions(s: KernelState): Map<string, string> {
  const out = new Map<string, string>();
  s.threads.forEach((_, t) => {
    const p = threadPosition(s, t);
    if (p !== null) out.set(String(t), p);
  });
  return out;
}
