/**
 * Compact storage for the explorer: per discovered state it keeps only
 * integers, never the state object itself.
 *
 *  - FingerprintSet, the visited set: the 64-bit fingerprints of the states'
 *    encodings, inline in an open-addressing table of Int32 pairs (linear
 *    probing), with optionally one Int32 value per fingerprint (a
 *    depth-bounded DFS keeps each state's smallest depth there). No id per
 *    state, no pointer: 8 bytes per slot (12 with values).
 *  - UintColumn: a growable array of small non-negative integers whose
 *    element width (1, 2 or 4 bytes) is the smallest that holds every value
 *    pushed so far (BFS parent links and action indices).
 *
 * Capacities grow by half when full (the set: before it gets more than three
 * quarters full), so what is allocated stays within 1.5 times what is used
 * (the set: between 8/0.75 and 8/0.5 bytes per state, 10.7 to 16; 16 to 24
 * with values).
 */

import { fingerprintInto } from './hash.js';

/** Integer multiple of `x` by 1.5, at least x + 1. */
function grown(x: number): number {
  return Math.max(x + 1, Math.ceil(x * 1.5));
}

/** A growable array of integers in [0, 2^31), stored in the narrowest typed array that holds them. */
export class UintColumn {
  private data: Uint8Array | Uint16Array | Int32Array = new Uint8Array(1024);
  private length = 0;

  get size(): number {
    return this.length;
  }

  push(value: number): void {
    if (!(Number.isInteger(value) && value >= 0 && value <= 0x7fffffff)) throw new RangeError(`UintColumn holds integers in [0, 2^31), got ${value}`);
    let data = this.data;
    const limit = data instanceof Uint8Array ? 0xff : data instanceof Uint16Array ? 0xffff : 0x7fffffff;
    if (value > limit || this.length === data.length) {
      const width = Math.max(data.BYTES_PER_ELEMENT, value > 0xffff ? 4 : value > 0xff ? 2 : 1);
      const capacity = this.length === data.length ? grown(data.length) : data.length;
      const wider = width === 1 ? new Uint8Array(capacity) : width === 2 ? new Uint16Array(capacity) : new Int32Array(capacity);
      wider.set(data.subarray(0, this.length));
      this.data = data = wider;
    }
    data[this.length++] = value;
  }

  get(index: number): number {
    if (index < 0 || index >= this.length) throw new RangeError(`UintColumn index ${index} out of range [0, ${this.length})`);
    return this.data[index]!;
  }

  /** Bytes allocated (capacity, not length). */
  get bytes(): number {
    return this.data.byteLength;
  }
}

/** What FingerprintSet.add() found. */
export const NEW = 1;
export const SEEN = 0;
/** New, but the set already holds `limit` fingerprints: nothing was stored. */
export const FULL = -1;

/**
 * A set of 64-bit fingerprints of encoded states (hash compaction: two texts
 * with the same fingerprint count as one state; see hash.ts for the odds).
 * The pair (0, 0) marks an empty slot, so the fingerprint (0, 0) itself is
 * kept apart, in a flag (and its value in a field). A slot's index is
 * floor(lo * capacity / 2^32) (any capacity, not only powers of two).
 */
export class FingerprintSet {
  /** Int32s per slot: hi, lo (and the value). */
  private readonly stride: number;
  private capacity = 1024;
  private slots: Int32Array;
  private count = 0;
  private hasZero = false;
  private zeroValue = 0;
  /** Slot (index into `slots`, or -1 for the zero fingerprint) of the last add()ed fingerprint. */
  private last = 0;
  private readonly scratch = new Int32Array(2);

  /**
   * @param limit no more than this many fingerprints are ever stored.
   * @param valued keep one Int32 value per fingerprint (value(), setValue()).
   */
  constructor(private readonly limit: number = Infinity, valued = false) {
    this.stride = valued ? 3 : 2;
    this.slots = new Int32Array(this.capacity * this.stride);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes allocated. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  /**
   * Adds the fingerprint of `text`: NEW if it was not there (a valued set
   * gives it the value 0), SEEN if it was, FULL if it is new but `limit` are
   * already stored. After NEW or SEEN, value() and setValue() are this
   * fingerprint's.
   */
  add(text: string): number {
    fingerprintInto(text, this.scratch);
    return this.addFingerprint(this.scratch[0]!, this.scratch[1]!);
  }

  /** add() of the fingerprint (hi, lo) itself. */
  addFingerprint(hi: number, lo: number): number {
    hi |= 0;
    lo |= 0;
    if (hi === 0 && lo === 0) {
      this.last = -1;
      if (this.hasZero) return SEEN;
      if (this.count >= this.limit) return FULL;
      this.hasZero = true;
      this.zeroValue = 0;
      this.count++;
      return NEW;
    }
    let i = this.probe(hi, lo);
    if (this.slots[i] === hi && this.slots[i + 1] === lo) {
      this.last = i;
      return SEEN;
    }
    if (this.count >= this.limit) return FULL;
    if ((this.count + 1) * 4 > this.capacity * 3) {
      this.grow();
      i = this.probe(hi, lo);
    }
    this.slots[i] = hi;
    this.slots[i + 1] = lo;
    if (this.stride === 3) this.slots[i + 2] = 0;
    this.count++;
    this.last = i;
    return NEW;
  }

  /** Whether the fingerprint of `text` is in the set. */
  has(text: string): boolean {
    fingerprintInto(text, this.scratch);
    return this.hasFingerprint(this.scratch[0]!, this.scratch[1]!);
  }

  /** has() of the fingerprint (hi, lo) itself. */
  hasFingerprint(hi: number, lo: number): boolean {
    hi |= 0;
    lo |= 0;
    if (hi === 0 && lo === 0) return this.hasZero;
    const i = this.probe(hi, lo);
    return this.slots[i] === hi && this.slots[i + 1] === lo;
  }

  /** The value of the last add()ed fingerprint (valued sets only). */
  value(): number {
    this.assertValued();
    return this.last < 0 ? this.zeroValue : this.slots[this.last + 2]!;
  }

  /** Sets the value of the last add()ed fingerprint (valued sets only). */
  setValue(v: number): void {
    this.assertValued();
    if (this.last < 0) this.zeroValue = v;
    else this.slots[this.last + 2] = v;
  }

  private assertValued(): void {
    if (this.stride !== 3) throw new RangeError('this FingerprintSet keeps no values');
  }

  /** The slot where the search for a fingerprint with low word `lo` starts. */
  private home(lo: number): number {
    return Math.floor((lo >>> 0) * (this.capacity / 4294967296));
  }

  private grow(): void {
    const old = this.slots;
    const { stride } = this;
    this.capacity = grown(this.capacity);
    const slots = new Int32Array(this.capacity * stride);
    this.slots = slots;
    for (let j = 0; j < old.length; j += stride) {
      const h = old[j]!;
      const l = old[j + 1]!;
      if (h === 0 && l === 0) continue;
      const i = this.probe(h, l); // not in the new array yet: the first empty slot
      slots[i] = h;
      slots[i + 1] = l;
      if (stride === 3) slots[i + 2] = old[j + 2]!;
    }
  }

  /**
   * Linear probing from the home slot of (hi, lo), not (0, 0): the slot (as
   * an index into `slots`) that holds it, or else the first empty one.
   */
  private probe(hi: number, lo: number): number {
    const { slots, stride } = this;
    let i = this.home(lo) * stride;
    for (;;) {
      const h = slots[i]!;
      const l = slots[i + 1]!;
      if ((h === 0 && l === 0) || (h === hi && l === lo)) return i;
      i += stride;
      if (i === slots.length) i = 0;
    }
  }
}

const scratch = new Int32Array(2);

/** The fingerprint halves of `text`, written to out[at], out[at + 1]. */
export function fingerprintAt(text: string, out: Int32Array, at: number): void {
  fingerprintInto(text, scratch);
  out[at] = scratch[0]!;
  out[at + 1] = scratch[1]!;
}
