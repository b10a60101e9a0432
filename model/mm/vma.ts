/**
 * VMA lookup, split and merge — mm/vma.c, mm/mmap.c (find_vma(), vma_lookup(),
 * vma_modify_flags_uffd(), vma_merge_existing_range()).
 *
 * Simplification: two neighbouring VMAs merge when they come from the same
 * area (same anon origin or same file at the contiguous offset) and have the
 * same uffd ctx and flags; anon_vma compatibility is not modelled.
 */
import { ModelError } from '../engine.js';
import type { KernelState, Pte, Vma } from '../state.js';
import { noThreadDoes } from '../state.js';

/**
 * The ops (Thread.does) whose kernel code can change or clear a pte that is
 * present: a write (a store through it or into the file it maps, or CoW),
 * munmap and madvise (zap), mremap (move), fork (write-protect for CoW), and
 * raw_ioctl to be safe. Everything else only fills a pte that is none (a fill
 * into a present pte is -EEXIST). changingPresentPte() throws if anything
 * else changes one, so a new path cannot silently break pteStable().
 */
export const PTE_CHANGING_OPS: readonly string[] = ['fork', 'madvise', 'mremap', 'munmap', 'raw_ioctl', 'write'];

/** No thread of the state can change a present pte. */
export function noPteChanger(s: KernelState): boolean {
  return noThreadDoes(s, PTE_CHANGING_OPS);
}

/**
 * The pte of `page` is present and nothing in this scenario can change it
 * (nor the ghost `expect` of a present page, which only the same ops change):
 * a step that only reads it commutes with every step of every thread, so it
 * need not be a scheduling point (a retried fault's access and its
 * handle_mm_fault(), handle_userfault()'s must_wait once the page is there).
 */
export function pteStable(s: KernelState, page: number): boolean {
  return (s.mm.pte[page] ?? null) !== null && noPteChanger(s);
}

/** Every path that changes or clears a present pte calls this first. */
export function changingPresentPte(d: KernelState): void {
  if (noPteChanger(d)) throw new ModelError(`a present pte changes, but no thread has an op in PTE_CHANGING_OPS (model/mm/vma.ts): ${d.threads.map(th => `${th.name}: ${th.does.join(', ')}`).join('; ')}`);
}

export function vma_lookup(s: KernelState, page: number): Vma | null {
  return s.mm.vmas.find(v => v.start <= page && page < v.end) ?? null;
}

/** Index of the VMA containing `page`, or -1. */
export function vmaIndex(s: KernelState, page: number): number {
  return s.mm.vmas.findIndex(v => v.start <= page && page < v.end);
}

/** VMAs intersecting [start, end), in address order. */
export function vmasIn(s: KernelState, start: number, end: number): Vma[] {
  return s.mm.vmas.filter(v => v.start < end && start < v.end);
}

/** userfaultfd_missing(vma) — include/linux/userfaultfd_k.h. */
export function userfaultfd_missing(v: Vma): boolean {
  return v.uffd_flags.includes('VM_UFFD_MISSING');
}

/** userfaultfd_minor(vma) — include/linux/userfaultfd_k.h. */
export function userfaultfd_minor(v: Vma): boolean {
  return v.uffd_flags.includes('VM_UFFD_MINOR');
}

/** linear_page_index(vma, page): the page's index in the VMA's file. */
export function linear_page_index(v: Vma, page: number): number {
  return v.pgoff + (page - v.start);
}

/**
 * A store of `value` into page `idx` of file `file`'s page cache (a write
 * through a pte that maps the folio, or shmem_mfill_atomic_pte()): every pte
 * mapping that folio shows it (they map the same physical page), and the ghost
 * `expect` of every address whose access would reach that folio — a shared
 * mapping, or a MAP_PRIVATE one not yet CoW'd there (no pte, or a pte still
 * on the folio) — becomes `value`.
 */
export function storeToFile(d: KernelState, file: number, idx: number, value: number): void {
  const cache = d.mm.page_cache[file];
  if (cache === undefined || idx >= cache.length) throw new Error(`[model bug] no page ${idx} in file ${file}`);
  cache[idx] = value;
  for (const v of d.mm.vmas) {
    if (v.kind === 'anon' || v.file !== file) continue;
    const p = v.start + (idx - v.pgoff);
    if (p < v.start || p >= v.end) continue;
    const pte = d.mm.pte[p] ?? null;
    if (pte !== null && pte.cache && pte.content !== value) {
      changingPresentPte(d);
      pte.content = value;
    }
    if (v.shared || pte === null || pte.cache) d.expect[p] = value;
  }
}

/**
 * The pte a fault maps for a file page already in the page cache: a shared
 * mapping maps the folio writable; a private one maps it read-only on a read,
 * or an anonymous copy on a write (shmem: do_shared_fault() / do_read_fault() /
 * do_cow_fault(); hugetlb: hugetlb_no_page(), then hugetlb_wp() on a write).
 */
export function cachedFolioPte(shared: boolean, write: boolean, content: number): Pte {
  if (shared) return { content, writable: true, cache: true };
  return write ? { content, writable: true, cache: false } : { content, writable: false, cache: true };
}

/** Split VMAs so that `page` is a boundary (__split_vma()). */
export function splitAt(d: KernelState, page: number): void {
  const i = vmaIndex(d, page);
  const v = d.mm.vmas[i];
  if (v === undefined || v.start === page) return;
  const right: Vma = { ...v, uffd_flags: [...v.uffd_flags], start: page, pgoff: v.pgoff + (page - v.start) };
  v.end = page;
  d.mm.vmas.splice(i + 1, 0, right);
}

function mergeable(a: Vma, b: Vma): boolean {
  return a.end === b.start && a.area === b.area && a.file === b.file && a.pgoff + (a.end - a.start) === b.pgoff && a.kind === b.kind && a.shared === b.shared &&
    a.uffd === b.uffd && a.uffd_flags.join() === b.uffd_flags.join();
}

function mergeAll(d: KernelState): void {
  const out: Vma[] = [];
  for (const v of d.mm.vmas) {
    const prev = out.at(-1);
    if (prev !== undefined && mergeable(prev, v)) prev.end = v.end;
    else out.push(v);
  }
  d.mm.vmas = out;
}

/**
 * Set the uffd ctx and flags of every VMA part inside [start, end), splitting
 * at the edges and merging neighbours afterwards, as userfaultfd_register_range()
 * and userfaultfd_clear_vma() do through vma_modify_flags_uffd().
 */
export function setUffd(d: KernelState, start: number, end: number, uffd: number | null, flags: Vma['uffd_flags']): void {
  splitAt(d, start);
  splitAt(d, end);
  for (const v of d.mm.vmas) {
    if (v.start >= start && v.end <= end) {
      v.uffd = uffd;
      v.uffd_flags = [...flags].sort();
    }
  }
  mergeAll(d);
}
