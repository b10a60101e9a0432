/** Test helpers: build a model from a scenario object and drive it with a fixed schedule. */
import { buildModel } from '../../model/index.js';
import type { UffdModel } from '../../model/index.js';
import { parseScenario } from '../../model/scenario.js';
import type { KernelState, Outcome } from '../../model/state.js';
import { findVariant } from '../../model/variants.js';

export function model(scenario: unknown, variant = 'mainline'): UffdModel {
  const v = findVariant(variant);
  if (v === undefined) throw new Error(`no variant ${variant}`);
  return buildModel(parseScenario(scenario), v);
}

/**
 * Run each named thread in turn until it blocks or exits (like a kernel that
 * lets one thread run until it sleeps). Returns the final state.
 */
export function runPlan(m: UffdModel, plan: readonly string[], from?: KernelState): KernelState {
  let s = from ?? m.init();
  for (const name of plan) {
    const t = s.threads.findIndex(th => th.name === name);
    if (t < 0) throw new Error(`no thread ${name}`);
    for (let i = 0; m.actions(s).includes(t); i++) {
      if (i > 1000) throw new Error(`${name} does not block or finish`);
      s = m.step(s, t);
    }
  }
  return s;
}

export function outcomes(s: KernelState, name: string): Outcome[] {
  const th = s.threads.find(x => x.name === name);
  if (th === undefined) throw new Error(`no thread ${name}`);
  return th.user.outcomes;
}

export function asleepInFault(s: KernelState, name: string): boolean {
  const th = s.threads.find(x => x.name === name)!;
  const f = th.frames[th.frames.length - 1];
  return f !== undefined && f.fn === 'handle_userfault' && f.at === 'schedule' && th.task !== 'RUNNING';
}

export function finished(s: KernelState, name: string): boolean {
  return s.threads.find(x => x.name === name)!.frames.length === 0;
}

export const anonA = (pages: number) => [{ name: 'A', pages, kind: 'anon' }];
export const uffdU = (pages: number, extra: object = {}) => [{ name: 'U', register: [{ area: 'A', first: 0, pages }], ...extra }];
