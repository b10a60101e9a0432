/**
 * Hashing whose cost follows what a step changed: states are immutable and
 * immer shares every unchanged subtree between a state and its successor, so
 * a hash of a subtree can be memoised by the subtree's identity.
 *
 * Each call site (a "slot": a field, a thread's index, a ctx's index) has its
 * own two-entry cache: the checker keys the successors of one state one after
 * the other, and they share most subtrees with their parent and with each
 * other (measured on wake-reference: 21 of 26 lookups per transition hit).
 * No WeakMap behind it: most misses are objects the step just made, so a
 * WeakMap mostly pays an insertion (and GC work on its weak entries) for
 * nothing; without it the search ran about 10% faster.
 */

/** Slots past this number are not cached. */
const SLOTS = 256;

export class IdentityMemo {
  /** Per slot: objs[2 * slot] is the most recent object, objs[2 * slot + 1] the one before; vals their results. */
  private readonly objs: (object | null)[] = new Array<object | null>(2 * SLOTS).fill(null);
  private readonly vals: string[] = new Array<string>(2 * SLOTS).fill('');

  /** @param f a pure function of the object's content. */
  constructor(private readonly f: (o: object) => string) {}

  /** f(o), memoised; `slot` names the call site (a small non-negative integer). */
  get(slot: number, o: object): string {
    if (slot >= SLOTS) return this.f(o);
    const i = 2 * slot;
    const { objs, vals } = this;
    if (objs[i] === o) return vals[i]!;
    const h = objs[i + 1] === o ? vals[i + 1]! : this.f(o);
    objs[i + 1] = objs[i]!;
    vals[i + 1] = vals[i]!;
    objs[i] = o;
    vals[i] = h;
    return h;
  }
}
