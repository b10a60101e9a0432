/**
 * The ModelSpec target for the parallel searches (checker/pool.ts): a worker
 * thread imports this module and calls uffdCheckerModel() to build the same
 * checker model as the main thread — from the scenario (plain data) and the
 * variant: a built-in name, or the path of a variant file (loaded with the
 * same hooks as the CLI: TypeScript, and `import ... from 'uffd-mc'`).
 */
import { register } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Model } from '../checker/index.js';
import type { ModelSpec } from '../checker/pool.js';
import { buildModel, type BuildOptions } from '../model/index.js';
import type { Scenario } from '../model/scenario.js';
import type { KernelState } from '../model/state.js';
import type { Variant } from '../model/variants.js';
import { findVariant, VariantError } from '../model/variants.js';
import { toCheckerModel } from './api.js';

let hooks = false;

/** A variant file's exported variant (default, or named `variant`). */
export async function importVariantFile(path: string): Promise<Variant> {
  if (!hooks) {
    register(new URL('./ts-hooks.js', import.meta.url));
    hooks = true;
  }
  const mod = await import(pathToFileURL(resolve(path)).href) as { default?: Variant; variant?: Variant };
  const v = mod.default ?? mod.variant;
  if (v === undefined) throw new VariantError(`${path}: exports no variant`);
  return v;
}

/** Where a variant comes from, for a worker: a built-in's name or a file. */
export type VariantRef = { builtin: string } | { file: string };

export async function uffdCheckerModel(scenario: Scenario, variant: VariantRef, build: BuildOptions = {}): Promise<Model<KernelState, number>> {
  let v: Variant | undefined;
  if ('builtin' in variant) {
    v = findVariant(variant.builtin);
    if (v === undefined) throw new VariantError(`no built-in variant ${variant.builtin}`);
  } else {
    v = await importVariantFile(variant.file);
  }
  return toCheckerModel(buildModel(scenario, v, build));
}

/** The spec a worker builds this scenario's model from. */
export function uffdModelSpec(scenario: Scenario, variant: VariantRef, build: BuildOptions = {}): ModelSpec {
  return { module: new URL(import.meta.url).href, export: 'uffdCheckerModel', args: [scenario, variant, build] };
}
