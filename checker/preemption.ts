/**
 * Preemption-bounded search (Musuvathi and Qadeer, "Iterative context
 * bounding for systematic testing of multithreaded programs", PLDI 2007):
 * explores every schedule with at most `maxPreemptions` preemptions. A
 * preemption is a step by actor x right after a step by actor y != x while
 * y still had an enabled action (a switch away from a blocked or finished
 * thread is free). Needs Model.actor().
 *
 * The search runs over nodes (state, last actor), level by level in the
 * number of preemptions used (0, 1, ...), breadth-first within a level; a
 * node is expanded once, at the smallest preemption count that reaches it.
 * Each state is judged when its first node is expanded. Symmetry reduction
 * does not apply (the last actor is a thread identity), so nodes are keyed
 * on encode().
 *
 * Verdict: a transition that would pass the bound is cut, and its target
 * node remembered. At the end, if every cut target was reached anyway
 * (within the bound, by another schedule), the explored nodes are closed
 * under every transition and the search is COMPLETE; otherwise it is
 * BOUNDED('max-preemptions').
 */
import type { CheckResult, Progress, Violation } from './explore.js';
import { SLICE } from './explore.js';
import { fingerprintAt, FingerprintSet, NEW } from './table.js';
import { Judge, makeResult, violationAt } from './judge.js';
import type { Model } from './model.js';

export interface PreemptionOptions {
  /** A non-negative integer. */
  maxPreemptions: number;
  maxStates?: number | undefined;
  onProgress?: ((p: Progress) => void) | undefined;
  shouldStop?: (() => boolean) | undefined;
}

interface Entry<S> { s: S; last: string | number | null; parent: number; via: number; depth: number }

export async function preemptionSearch<S, A>(model: Model<S, A>, options: PreemptionOptions): Promise<CheckResult> {
  const bound = options.maxPreemptions;
  if (!(Number.isInteger(bound) && bound >= 0)) throw new RangeError(`maxPreemptions must be a non-negative integer, got ${bound}`);
  if (options.maxStates !== undefined && !(Number.isInteger(options.maxStates) && options.maxStates >= 1)) throw new RangeError(`maxStates must be a positive integer, got ${options.maxStates}`);
  const actorOf = model.actor;
  if (actorOf === undefined) throw new RangeError('a preemption bound needs a model with actor() (which thread takes an action)');
  const actor = (s: S, a: A): string | number => actorOf.call(model, s, a);
  const init = model.init();
  const judge = new Judge(model as Model<S, unknown>, init);
  const nodes = new FingerprintSet();
  const distinct = new FingerprintSet();
  const parent: number[] = [];
  const via: number[] = [];
  /** Targets (h1, h2 of the node) of the transitions cut by the bound. */
  const cutTargets: number[] = [];
  const h = new Int32Array(2);
  const nodeKey = (s: S, last: string | number | null): string => `${model.encode(s)}\u0000${last === null ? '' : typeof last === 'number' ? `#${last}` : `$${last}`}`;
  let transitions = 0;
  let deepest = 0;
  let interrupted = false;
  let hitMaxStates = false;
  let violation: Violation | null = null;
  let sinceSlice = 0;
  let level: Entry<S>[] = [{ s: init, last: null, parent: -1, via: -1, depth: 0 }];
  search: for (let used = 0; used <= bound && level.length > 0; used++) {
    const next: Entry<S>[] = [];
    for (let q = 0; q < level.length; q++) {
      if (q >= 65_536 && 2 * q > level.length) {
        // Drop the expanded prefix of the queue (it holds state objects).
        level = level.slice(q);
        q = 0;
      }
      const e = level[q]!;
      fingerprintAt(nodeKey(e.s, e.last), h, 0);
      if (nodes.addFingerprint(h[0]!, h[1]!) !== NEW) continue; // expanded already, with as few preemptions or fewer
      const id = nodes.size - 1; // = parent.length: nodes are numbered in the order they are expanded
      parent.push(e.parent);
      via.push(e.via);
      if (e.depth > deepest) deepest = e.depth;
      const en = model.actions(e.s);
      fingerprintAt(model.encode(e.s), h, 0);
      if (distinct.addFingerprint(h[0]!, h[1]!) === NEW) {
        if (options.maxStates !== undefined && distinct.size > options.maxStates) { hitMaxStates = true; break search; }
        const v = judge.judge(e.s, en.length);
        if (v !== null) {
          const choices: number[] = [];
          for (let n = id; parent[n]! >= 0; n = parent[n]!) choices.push(via[n]!);
          violation = violationAt(model, v, choices.reverse());
          break search;
        }
        if (distinct.size % 10_000 === 0) options.onProgress?.({ states: distinct.size, transitions, depth: e.depth, frontier: level.length - q + next.length });
      }
      const lastStillEnabled = e.last !== null && en.some(a => actor(e.s, a) === e.last);
      for (let j = 0; j < en.length; j++) {
        if (++sinceSlice >= SLICE) {
          sinceSlice = 0;
          await new Promise<void>(resolve => setImmediate(resolve));
          if (options.shouldStop?.() === true) { interrupted = true; break search; }
        }
        const who = actor(e.s, en[j]!);
        const t = model.step(e.s, en[j]!);
        transitions++;
        const entry = { s: t, last: who, parent: id, via: j, depth: e.depth + 1 };
        if (!lastStillEnabled || who === e.last) level.push(entry);
        else if (used < bound) next.push(entry);
        else {
          fingerprintAt(nodeKey(t, who), h, 0);
          cutTargets.push(h[0]!, h[1]!);
        }
      }
    }
    level = next;
  }
  let cut = false;
  for (let i = 0; i < cutTargets.length && !cut; i += 2) cut = !nodes.hasFingerprint(cutTargets[i]!, cutTargets[i + 1]!);
  return makeResult({
    strategy: 'bfs', bound: interrupted ? 'interrupted' : hitMaxStates ? 'max-states' : cut ? 'max-preemptions' : null,
    states: distinct.size, transitions, maxDepth: deepest, violation, goals: judge.goals as never, reached: judge.reached,
    visitedBytes: nodes.bytes + distinct.bytes, traceBytes: 16 * parent.length,
  });
}
