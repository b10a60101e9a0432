/**
 * What one transition reads and writes, recorded while it runs: the
 * footprint a partial-order reduction needs to decide that two transitions
 * commute (neither writes what the other reads or writes). Nothing is
 * declared per step: the transition runs for real, with the state it reads
 * (for guards and locality) and the immer draft it changes (for each step's
 * run) seen through recording proxies (`view`).
 *
 * A path is the '/'-joined keys from the root of KernelState, e.g.
 * "mm/pte/3" or "threads/2/task". Three kinds of access:
 *  - reads: the value at the path was read: a leaf (number, string, null,
 *    undefined for a missing key), or that an object is there (not what is
 *    in it: that is read at longer paths);
 *  - deepReads: everything under the path was read (an array searched by
 *    find/some/includes/filter..., whose predicate sees raw elements; keys
 *    listed; an object spread or stringified);
 *  - writes: the value at the path may have changed, with everything under
 *    it (a field set or deleted; an array changed by push/splice/sort...,
 *    or an element found in an array and then changed).
 * Recorded paths over-approximate: a read that a step makes and then
 * ignores still counts. What the recording cannot see, it does not claim:
 * test/model/footprint.test.ts checks on built-in scenarios that every
 * changed leaf is under a recorded write, and that two enabled transitions
 * whose footprints do not conflict commute.
 *
 * For planning a partial-order reduction (a measurement, in `npm run bench`):
 * running a transition this way costs several times a plain one.
 */
import { isDraft } from 'immer';
import type { Kernel, Produce } from './engine.js';
import { enabled, runThread } from './engine.js';
import type { KernelState, Tid } from './state.js';

export interface Footprint {
  reads: string[];
  deepReads: string[];
  writes: string[];
}

/** The array methods that immer's array-methods plugin runs on the array itself (predicates see raw elements). */
const MUTATING = new Set(['push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin']);
const SEARCHING = new Set([
  'filter', 'slice', 'concat', 'flat', 'find', 'findLast', 'findIndex', 'findLastIndex', 'some', 'every',
  'indexOf', 'lastIndexOf', 'includes', 'join', 'toString', 'toLocaleString',
]);

interface Recording {
  readonly reads: Set<string>;
  readonly deepReads: Set<string>;
  readonly writes: Set<string>;
  /** One proxy per (object, path, kind), so that identity checks (engine.ts top()) behave. */
  readonly proxies: Map<object, Map<string, object>>;
}

/** The object behind each recording proxy, the recording it belongs to and the path it was read at. */
const proxied = new WeakMap<object, { target: object; rec: Recording; path: string }>();

const join = (path: string, key: string): string => (path === '' ? key : `${path}/${key}`);

/**
 * `o` seen through a recording proxy at `path`. Writable: writes pass through (to an immer draft) and
 * are recorded; read-only: a write throws. Coarse (an element found by an array method, whose index
 * is not known): its reads are covered by the array's deep read, and any write through it is recorded
 * as a write of the whole array (`path`).
 */
function view<T>(rec: Recording, o: T, path: string, writable: boolean, coarse: boolean): T {
  if (typeof o !== 'object' || o === null) return o;
  const kind = `${writable ? 'w' : 'r'}${coarse ? 'c' : 'p'}${path}`;
  let byPath = rec.proxies.get(o);
  if (byPath === undefined) rec.proxies.set(o, (byPath = new Map()));
  const known = byPath.get(kind);
  if (known !== undefined) return known as T;
  const target = o as unknown as object;
  // A proxy must report a frozen property's own value, so it could not record below it.
  if (Object.isFrozen(target)) throw new Error(`footprint: ${path === '' ? 'the state' : path} is frozen; record on unfrozen states (BuildOptions.freeze false)`);
  const isArray = Array.isArray(target);
  const readAt = (key: string, v: unknown): unknown => {
    const p = coarse ? path : join(path, key);
    if (!coarse) rec.reads.add(p);
    return view(rec, v, p, writable, coarse);
  };
  const write = (key: string): void => {
    if (!writable) throw new Error(`footprint: a write to ${join(path, key)} through a read-only state`);
    rec.writes.add(coarse ? path : join(path, key));
  };
  const proxy = new Proxy(target, {
    get(t, key) {
      const v: unknown = Reflect.get(t, key);
      if (typeof key === 'symbol') return v;
      if (typeof v === 'function') {
        if (isArray && (MUTATING.has(key) || SEARCHING.has(key))) {
          const method = v as (...args: unknown[]) => unknown;
          return (...args: unknown[]): unknown => {
            rec.deepReads.add(path);
            if (MUTATING.has(key)) {
              if (!writable) throw new Error(`footprint: ${key}() on ${path} through a read-only state`);
              rec.writes.add(path);
            }
            // Run on the array itself (as immer's plugin does for a draft). An argument that is state
            // (concat's arrays, includes' object) is read whole, and stored whole by a mutating method.
            const r = method.apply(t, args.map(a => unwrap(a, MUTATING.has(key))));
            // sort/reverse/fill/copyWithin return the array: the proxy. Fresh arrays (filter, slice,
            // splice's removed elements) are no state, but their elements are: seen coarsely, like an
            // element that find() returns.
            if (r === t) return proxy;
            if (Array.isArray(r)) return r.map(el => view(rec, el, path, writable, true));
            return view(rec, r, path, writable, true);
          };
        }
        // Other methods (map, forEach, at, entries, ...) run with this = the proxy: their reads go through get.
        return v;
      }
      return readAt(key, v);
    },
    getOwnPropertyDescriptor(t, key) {
      const d = Reflect.getOwnPropertyDescriptor(t, key);
      if (typeof key === 'symbol' || d === undefined || !('value' in d)) return d;
      const v = readAt(key, d.value);
      return d.configurable === true ? { ...d, value: v } : d;
    },
    has(t, key) {
      if (typeof key !== 'symbol' && !coarse) rec.reads.add(join(path, key));
      return Reflect.has(t, key);
    },
    ownKeys(t) {
      rec.deepReads.add(path);
      return Reflect.ownKeys(t);
    },
    set(t, key, value) {
      if (typeof key === 'symbol') throw new Error(`footprint: a symbol key written under ${path}`);
      write(key);
      // A write at or past the end of an array, or to its length, changes the array's shape.
      if (isArray && (key === 'length' || Number(key) >= (t as unknown[]).length)) rec.writes.add(path);
      return Reflect.set(t, key, unwrap(value, true));
    },
    deleteProperty(t, key) {
      if (typeof key === 'symbol') throw new Error(`footprint: a symbol key deleted under ${path}`);
      write(key);
      return Reflect.deleteProperty(t, key);
    },
    defineProperty() {
      throw new Error(`footprint: defineProperty under ${path}`);
    },
  });
  proxied.set(proxy, { target, rec, path });
  byPath.set(kind, proxy);
  return proxy as T;
}

/**
 * `x` with every recording proxy in it (at any depth of fresh plain objects and arrays) replaced by its
 * object. The object is state handed on whole: its subtree counts as read and, when `stored` (it is
 * stored somewhere or given to a mutating method), as written, since the state now holds another
 * reference to it (a later write below either place changes both).
 */
function unwrap(x: unknown, stored: boolean): unknown {
  if (typeof x !== 'object' || x === null) return x;
  const p = proxied.get(x);
  if (p !== undefined) {
    p.rec.deepReads.add(p.path);
    if (stored) p.rec.writes.add(p.path);
    return p.target;
  }
  if (isDraft(x)) return x;
  if (Array.isArray(x)) {
    const out = x.map(v => unwrap(v, stored));
    return out.every((v, i) => v === x[i]) ? x : out;
  }
  let changed = false;
  const out: { [k: string]: unknown } = {};
  for (const [k, v] of Object.entries(x)) {
    out[k] = unwrap(v, stored);
    if (out[k] !== v) changed = true;
  }
  return changed ? out : x;
}

/**
 * Thread t's transition from s (as model.step() takes it: its next step and
 * the local steps folded around it), with what it read and wrote, including
 * the guard that makes it enabled. `next` is the state after, from a plain
 * run. The recorded run must reach the same state (equal JSON), or this
 * throws: a step that changed a fresh container after storing it (unwrap()
 * stores a copy) or that compared state objects by identity (proxies differ
 * by the path they were reached by) would otherwise get a footprint of
 * another run. Immer's current() and original() on a recording proxy read
 * the draft unrecorded; the model uses neither.
 */
export function recordTransition(k: Kernel, s: KernelState, t: Tid, produce: Produce, fold: boolean): { next: KernelState; footprint: Footprint } {
  const rec: Recording = { reads: new Set(), deepReads: new Set(), writes: new Set(), proxies: new Map() };
  if (!enabled(k, view(rec, s, '', false, false), t)) throw new Error(`footprint: thread ${t} cannot take a step here`);
  // Local steps (Step.local) are recorded like the shared one: some of them commute with other threads'
  // steps only up to a later convergence, not strictly (handle_userfault():released_before_sleep sets the
  // task RUNNING, which a waker reads), so a footprint that left them out would call such pairs independent.
  const recorded = runThread(k, s, t, true, produce, fold, {
    plain: x => view(rec, x, '', false, false),
    draft: d => view(rec, d, '', true, false),
  }).next;
  const sorted = (x: Set<string>): string[] => [...x].sort();
  const footprint = { reads: sorted(rec.reads), deepReads: sorted(rec.deepReads), writes: sorted(rec.writes) };
  const { next, ran } = runThread(k, s, t, true, produce, fold);
  if (JSON.stringify(recorded) !== JSON.stringify(next)) {
    throw new Error(`footprint: the recorded run of thread ${t} (${ran.join(' ')}) reached another state than a plain run`);
  }
  return { next, footprint };
}

/** p is q or an ancestor of it. */
function covers(p: string, q: string): boolean {
  return p === q || (q.length > p.length && q.startsWith(p) && q[p.length] === '/') || p === '';
}

/** Whether a write of `w` can change what `f` read or wrote. */
function hits(w: string, f: Footprint): boolean {
  return f.writes.some(x => covers(w, x) || covers(x, w))
    || f.reads.some(r => covers(w, r))
    || f.deepReads.some(r => covers(w, r) || covers(r, w));
}

/** Whether two footprints conflict: one writes what the other reads or writes. Transitions that do not conflict commute. */
export function conflict(a: Footprint, b: Footprint): boolean {
  return a.writes.some(w => hits(w, b)) || b.writes.some(w => hits(w, a));
}

/** Everything either footprint reads or writes (for a declaration that covers several transitions). */
export function unionFootprints(a: Footprint, b: Footprint): Footprint {
  const merge = (x: string[], y: string[]): string[] => [...new Set([...x, ...y])].sort();
  return { reads: merge(a.reads, b.reads), deepReads: merge(a.deepReads, b.deepReads), writes: merge(a.writes, b.writes) };
}
