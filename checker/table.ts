/**
 * Compact storage for the explorer: a growable column of 32-bit integers and
 * an open-addressing set of 64-bit fingerprints. Per discovered state the
 * explorer keeps only integers (fingerprint, parent, action, depth), never
 * the state object itself.
 */

import { fingerprintInto } from './hash.js';

/** A growable array of int32 (about 4 bytes per entry, unlike number[]). */
export class IntColumn {
  private data = new Int32Array(1024);
  private length = 0;

  get size(): number {
    return this.length;
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  get(index: number): number {
    return this.data[index]!;
  }

  /** Bytes allocated (capacity, not length). */
  get bytes(): number {
    return this.data.byteLength;
  }

  set(index: number, value: number): void {
    this.data[index] = value;
  }
}

/**
 * A set of fingerprints of encoded states. Each new fingerprint gets the next
 * id (0, 1, 2, ... in insertion order), which indexes the explorer's columns.
 * Linear probing, load factor at most 1/2.
 */
export class FingerprintTable {
  /** id + 1 per slot; 0 marks an empty slot. */
  private slots = new Int32Array(1 << 12);
  private mask = (1 << 12) - 1;
  private readonly hi = new IntColumn();
  private readonly lo = new IntColumn();
  private readonly scratch = new Int32Array(2);

  /** @param limit no more than this many fingerprints are ever stored. */
  constructor(private readonly limit: number = Infinity) {}

  get size(): number {
    return this.hi.size;
  }

  /**
   * The id of `text`'s fingerprint: an existing id if it was already there,
   * else a new id (equal to the previous `size`), or -1 if it is new but the
   * table already holds `limit` fingerprints (nothing is stored then).
   */
  add(text: string): number {
    fingerprintInto(text, this.scratch);
    const h1 = this.scratch[0]!;
    const h2 = this.scratch[1]!;
    const { slots, mask, hi, lo } = this;
    let i = h2 & mask;
    for (;;) {
      const entry = slots[i]!;
      if (entry === 0) break;
      if (hi.get(entry - 1) === h1 && lo.get(entry - 1) === h2) return entry - 1;
      i = (i + 1) & mask;
    }
    const id = hi.size;
    if (id >= this.limit) return -1;
    hi.push(h1);
    lo.push(h2);
    slots[i] = id + 1;
    if (2 * hi.size > slots.length) this.grow();
    return id;
  }

  /** Bytes allocated: the slot array and the two fingerprint columns. */
  get bytes(): number {
    return this.slots.byteLength + this.hi.bytes + this.lo.bytes;
  }

  /** Whether `text` has the fingerprint stored under `id`. */
  matches(id: number, text: string): boolean {
    fingerprintInto(text, this.scratch);
    return this.hi.get(id) === this.scratch[0] && this.lo.get(id) === this.scratch[1];
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.hi.size; id++) {
      let i = this.lo.get(id) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = id + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
