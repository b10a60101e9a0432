/**
 * 64-bit state fingerprints.
 *
 * A fingerprint is two independent 32-bit hashes of the same text: a
 * murmur3-style lane and an xxhash32-style lane, with different constants,
 * seeds and finalizers. Both read the string two UTF-16 code units (one
 * 32-bit word) at a time and mix its length in. Only Math.imul and 32-bit
 * integer operations are used: no BigInt, no allocation.
 *
 * The explorer stores fingerprints, not states (hash compaction): two
 * distinct states with equal fingerprints would be merged. With 64 bits the
 * chance of any such merge among n states is about n^2 / 2^65 (about 3e-6
 * for ten million states).
 */

/** Scratch buffer for hash64, so it allocates only its result string. */
const scratch = new Int32Array(2);

/** Writes the two 32-bit halves of the fingerprint of `text` into out[0], out[1]. */
export function fingerprintInto(text: string, out: Int32Array): void {
  const n = text.length;
  let h1 = 0x2f6b1c3d ^ n;
  let h2 = (0x165667b1 + n) | 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const k = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    // murmur3 x86_32 block.
    let k1 = Math.imul(k, 0xcc9e2d51);
    k1 = (k1 << 15) | (k1 >>> 17);
    h1 ^= Math.imul(k1, 0x1b873593);
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    // xxhash32 lane round.
    h2 = (h2 + Math.imul(k, 0x85ebca77)) | 0;
    h2 = (h2 << 13) | (h2 >>> 19);
    h2 = Math.imul(h2, 0x9e3779b1);
  }
  if (i < n) {
    // Odd tail: one code unit.
    const k = text.charCodeAt(i);
    let k1 = Math.imul(k, 0xcc9e2d51);
    k1 = (k1 << 15) | (k1 >>> 17);
    h1 ^= Math.imul(k1, 0x1b873593);
    h2 = (h2 + Math.imul(k, 0x165667b1)) | 0;
    h2 = (h2 << 11) | (h2 >>> 21);
    h2 = Math.imul(h2, 0x9e3779b1);
  }
  // murmur3 finalizer.
  h1 ^= n;
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  // xxhash32 finalizer.
  h2 ^= h2 >>> 15;
  h2 = Math.imul(h2, 0x85ebca77);
  h2 ^= h2 >>> 13;
  h2 = Math.imul(h2, 0xc2b2ae3d);
  h2 ^= h2 >>> 16;
  out[0] = h1;
  out[1] = h2;
}

function hex32(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}

/**
 * 64-bit fingerprint of `text` as 4 UTF-16 code units (any values, lone
 * surrogates included): cheaper than hex to build and to hash again, for
 * encodings composed of the fingerprints of their parts. Not for display.
 */
export function fingerprint64(text: string): string {
  fingerprintInto(text, scratch);
  const h1 = scratch[0]!;
  const h2 = scratch[1]!;
  return String.fromCharCode(h1 >>> 16, h1 & 0xffff, h2 >>> 16, h2 & 0xffff);
}

/** 64-bit fingerprint of `text` as 16 lowercase hex characters. */
export function hash64(text: string): string {
  fingerprintInto(text, scratch);
  return hex32(scratch[0]!) + hex32(scratch[1]!);
}
