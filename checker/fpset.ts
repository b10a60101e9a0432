/**
 * A set of 64-bit fingerprints given as their two 32-bit halves, for the
 * searches that compute a state's fingerprint themselves (to route it to a
 * worker, or to send it to the coordinator): checker/parallel.ts,
 * checker/walk.ts, checker/preemption.ts. Open addressing, linear probing,
 * load factor at most 1/2. Only membership and size are ever read: no
 * iteration order reaches a result.
 */
import { fingerprintInto } from './hash.js';

export class FingerprintSet {
  /** id + 1 per slot; 0 marks an empty slot. */
  private slots = new Int32Array(1 << 12);
  private mask = (1 << 12) - 1;
  private hi = new Int32Array(1 << 11);
  private lo = new Int32Array(1 << 11);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Bytes allocated (capacities, not lengths). */
  get bytes(): number {
    return this.slots.byteLength + this.hi.byteLength + this.lo.byteLength;
  }

  /** The id of (h1, h2): its insertion index, a new one (== the old size) if it was not there. */
  add(h1: number, h2: number): number {
    const { slots, mask } = this;
    let i = h2 & mask;
    for (;;) {
      const entry = slots[i]!;
      if (entry === 0) break;
      if (this.hi[entry - 1] === h1 && this.lo[entry - 1] === h2) return entry - 1;
      i = (i + 1) & mask;
    }
    const id = this.count++;
    if (id === this.hi.length) {
      const hi = new Int32Array(id * 2);
      const lo = new Int32Array(id * 2);
      hi.set(this.hi);
      lo.set(this.lo);
      this.hi = hi;
      this.lo = lo;
    }
    this.hi[id] = h1;
    this.lo[id] = h2;
    slots[i] = id + 1;
    if (2 * this.count > slots.length) this.grow();
    return id;
  }

  /** The id of (h1, h2), or -1 if it is not in the set. */
  find(h1: number, h2: number): number {
    const { slots, mask } = this;
    for (let i = h2 & mask; ; i = (i + 1) & mask) {
      const entry = slots[i]!;
      if (entry === 0) return -1;
      if (this.hi[entry - 1] === h1 && this.lo[entry - 1] === h2) return entry - 1;
    }
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.count; id++) {
      let i = this.lo[id]! & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = id + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

const scratch = new Int32Array(2);

/** The fingerprint halves of `text`, written to out[at], out[at + 1]. */
export function fingerprintAt(text: string, out: Int32Array, at: number): void {
  fingerprintInto(text, scratch);
  out[at] = scratch[0]!;
  out[at + 1] = scratch[1]!;
}
