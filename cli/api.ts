/**
 * The library API behind the CLI: everything `uffd-mc` does, callable
 * in-process (tests use it). It composes the model, the properties and the
 * generic checker; it reads no files and prints nothing.
 */
import { check, checkAsync, hash64, replayChoices } from '../checker/index.js';
import type { CheckOptions as CheckerOptions, CheckResult, Model, Strategy } from '../checker/index.js';
import { buildModel, nextStep, type BuildOptions } from '../model/index.js';
import type { UffdModel } from '../model/index.js';
import type { Scenario } from '../model/scenario.js';
import type { KernelState } from '../model/state.js';
import type { Variant } from '../model/variants.js';
import { builtinVariants, findVariant, kernelFor, VariantError } from '../model/variants.js';
import { mainlineKernel } from '../model/kernel.js';
import type { Step } from '../model/engine.js';
import { makeProperties, stuckReport } from '../properties/index.js';
import { IdentityMemo } from './memo.js';
import { symmetricEncoder } from './symmetry.js';
import { uffdModelSpec, type VariantRef } from './worker-model.js';
import { parallelBfs } from '../checker/parallel.js';
import { preemptionSearch } from '../checker/preemption.js';
import { walkSearch, walkSearchParallel, type Shard } from '../checker/walk.js';
import type { Explain } from '../properties/index.js';
import { builtinScenarios } from '../scenarios/builtin.js';
import { cases as coreCases } from '../conformance/cases.js';
import { modelledEventCases } from '../conformance/cases-events.js';

const conformanceCases = [...coreCases, ...modelledEventCases];
import { TRACE_FORMAT } from '../traces/format.js';
import type { Trace } from '../traces/format.js';
import { formatSteps, renderSteps } from '../traces/render.js';
import type { RenderedTrace } from '../traces/render.js';
import { formatRace } from '../traces/race.js';
import { formatMermaid } from '../traces/mermaid.js';
import { formatHtml } from '../traces/html.js';
import { testFromTraceSource as buildTestFromTrace } from '../traces/test-from-trace.js';

export const VERSION = '0.1.0';
export const KERNEL_REF = 'v6.18';

export { builtinScenarios, builtinVariants, findVariant };
export type { Scenario, Variant, CheckResult, Trace, Shard };

// For variant files (`import { goTo, mainlineStep } from 'uffd-mc'`): the
// engine's helpers a step's run() uses, and the mainline steps to wrap.
export { call, goTo, local, ret, setLocal } from '../model/engine.js';
export type { Kernel, KernelFn, Step } from '../model/engine.js';
export type { Patch } from '../model/variants.js';
export type { KernelState, Tid } from '../model/state.js';

/** A step of the mainline model, to reuse or wrap in a patch; a clear error if it does not exist. */
export function mainlineStep(fn: string, label: string): Step {
  const f = mainlineKernel[fn];
  if (f === undefined) throw new VariantError(`mainlineStep(): the model has no function ${fn}() (see 'uffd-mc steps')`);
  const st = f.steps[label];
  if (st === undefined) throw new VariantError(`mainlineStep(): ${fn}() has no step "${label}" (steps: ${Object.keys(f.steps).join(', ')})`);
  return st;
}

/** `uffd-mc steps [FN ...]`: every kernel function of a variant's model, its citation, and its steps with their docs. */
export function stepsText(variant: Variant, fns: readonly string[] = []): string {
  const k = kernelFor(variant);
  const names = fns.length > 0 ? [...fns] : Object.keys(k).sort();
  const lines: string[] = [];
  for (const name of names) {
    const f = k[name];
    if (f === undefined) throw new VariantError(`steps: the model has no function ${name}() (functions: ${Object.keys(k).sort().join(', ')})`);
    lines.push(`${name}()  [${f.cites}]  entry: ${f.entry}`);
    for (const [label, st] of Object.entries(f.steps)) lines.push(`  ${label.padEnd(36)} ${st.local === true ? '(local) ' : ''}${st.guard !== undefined ? '(guarded) ' : ''}${st.doc}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface CheckOptions {
  strategy?: Strategy | 'pct';
  /** Symmetry reduction over interchangeable threads (cli/symmetry.ts; default on); no effect on scenarios without them. */
  symmetry?: boolean;
  maxDepth?: number;
  maxStates?: number;
  onProgress?: (p: { states: number; transitions: number; depth: number; frontier: number }) => void;
  /** Polled during the search: true stops it with what it has (BOUNDED(interrupted)). */
  shouldStop?: () => boolean;
  /** --strategy random: the seed (default 0) and the number of walks (default 1000). */
  seed?: number;
  walks?: number;
  /** --strategy pct: the bug depth d (d - 1 priority change points; default 3). */
  pctDepth?: number;
  /** Worker threads: parallel BFS (strategy bfs), or a swarm of walks (random, pct). checkScenarioAsync only. */
  workers?: number;
  /** Run only the walks whose index is shard.index mod shard.count (random, pct). */
  shard?: Shard;
  /** Preemption-bounded search (checker/preemption.ts; strategy bfs, no symmetry). */
  maxPreemptions?: number;
  /** The variant's file, when it is not a built-in: workers load it from there. */
  variantFile?: string;
  /**
   * Fold local steps into their neighbours (default true; BuildOptions.fold).
   * false explores the unreduced transition system, to measure the reduction
   * or to check that it hides nothing; its trace says so (Trace.foldLocalSteps).
   */
  foldLocalSteps?: boolean;
  /**
   * Partial-order reduction (default true; BuildOptions.por; only with folded
   * local steps): after each transition, every thread whose next step is
   * local and can run runs its local steps at once, as part of it. Its
   * trace says so (Trace.por).
   */
  por?: boolean;
}

export interface ScenarioCheck {
  scenario: Scenario;
  variant: Variant;
  result: CheckResult;
  /** Whether symmetry reduction applied (asked for, and the scenario has interchangeable threads). */
  symmetry: boolean;
  /** The counterexample as a trace, when the violation has a schedule. */
  trace: Trace | null;
  /** Worker threads asked for (null: the sequential search). */
  workers: number | null;
  shard: Shard | null;
  /** Whether local steps were folded (CheckOptions.foldLocalSteps, default true). */
  foldLocalSteps: boolean;
  /** Whether the partial-order reduction applied (CheckOptions.por, default true; never without folding). */
  por: boolean;
}

/** The model plus the explanation of a blocked thread (from the step's waitsFor). */
export function explainer(m: UffdModel): Explain {
  return (s, t) => {
    const st = nextStep(m.kernel, s, t);
    if (st === null) return 'exited';
    if (st.guard === undefined || st.guard(s, t)) return 'runnable';
    return st.waitsFor?.(s, t) ?? 'blocked';
  };
}

/**
 * Canonical encoding whose cost follows what a step changed: immer shares
 * every unchanged subtree between a state and its successor, so each
 * top-level subtree's fingerprint is computed once per distinct object and
 * memoised by identity (cli/memo.ts). The encoding is the concatenation of
 * those 64-bit fingerprints (equal states give equal text; the checker hashes
 * it again). Traces record hash64 of this text: changing it changes their
 * `final` fingerprints.
 */
export function memoEncoder(): (s: KernelState) => string {
  const memo = new IdentityMemo(o => hash64(JSON.stringify(o)));
  // Slots: a top-level field's index, 32 + an mm field's, 48 + a ctx's, 80 + a thread's.
  const part = (slot: number, v: unknown): string => (typeof v === 'object' && v !== null ? memo.get(slot, v) : JSON.stringify(v));
  // Every field of the state, in a fixed (sorted) order, so ghost fields added later are never left out.
  const sortedKeys = sortedKeysOf();
  const sortedMmKeys = sortedKeysOf();
  return s => {
    let out = '';
    const top = s as unknown as { [k: string]: unknown };
    const keys = sortedKeys(top);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = top[k];
      if (k === 'mm') {
        const mm = v as { [k: string]: unknown };
        const mmKeys = sortedMmKeys(mm);
        for (let j = 0; j < mmKeys.length; j++) out += `${mmKeys[j]}:${part(32 + j, mm[mmKeys[j]!])};`;
      } else if (k === 'uffd' || k === 'threads') {
        const base = k === 'uffd' ? 48 : 80;
        out += `${k}:`;
        const xs = v as object[];
        for (let j = 0; j < xs.length; j++) out += memo.get(base + j, xs[j]!);
        out += ';';
      } else {
        out += `${k}:${part(i, v)};`;
      }
    }
    return out;
  };
}

/** Object.keys(o).sort(), remembered while objects come with the same keys in the same order (immer keeps the order). */
function sortedKeysOf(): (o: object) => readonly string[] {
  let lastKeys: string[] = [];
  let lastSorted: string[] = [];
  return o => {
    const keys = Object.keys(o);
    if (keys.length !== lastKeys.length || keys.some((k, i) => k !== lastKeys[i])) {
      lastKeys = keys;
      lastSorted = [...keys].sort();
    }
    return lastSorted;
  };
}

/** Adapt the userfaultfd model to the checker's generic interface. */
export function toCheckerModel(m: UffdModel): Model<KernelState, number> {
  const symmetric = symmetricEncoder(m.scenario);
  return {
    ...(symmetric !== null ? { symmetricEncode: symmetric } : {}),
    init: () => m.init(),
    actions: s => m.actions(s),
    step: (s, t) => m.step(s, t),
    encode: memoEncoder(),
    label: (s, t) => m.label(s, t),
    actor: (s, t) => m.actor(s, t),
    properties: makeProperties(explainer(m)),
  };
}

/** The model-building options a check asks for. */
function buildOptions(options: CheckOptions): BuildOptions {
  return { fold: options.foldLocalSteps ?? true, por: porApplies(options) };
}

/** The checker model of a scenario on a variant, and the checker's options. */
function prepareCheck(scenario: Scenario, variant: Variant, options: CheckOptions): { cm: Model<KernelState, number>; opts: CheckerOptions } {
  kernelFor(variant); // a broken variant fails here, before exploring
  const cm = toCheckerModel(buildModel(scenario, variant, buildOptions(options)));
  const strategy = options.strategy ?? 'bfs';
  if (strategy === 'pct') throw new RangeError('strategy pct: use checkScenarioAsync');
  const opts: CheckerOptions = {
    strategy,
    maxDepth: options.maxDepth,
    maxStates: options.maxStates,
    symmetry: options.symmetry ?? true,
    onProgress: options.onProgress,
    shouldStop: options.shouldStop,
    seed: options.seed,
    walks: options.walks,
  };
  return { cm, opts };
}

/** The result with its counterexample as a trace. */
function finishCheck(scenario: Scenario, variant: Variant, options: CheckOptions, cm: Model<KernelState, number>, result: CheckResult): ScenarioCheck {
  let trace: Trace | null = null;
  const v = result.violation;
  if (v !== null && v.kind !== 'sometimes') {
    const steps = v.choices.map((choice, i) => ({ choice, label: v.labels[i]! }));
    const rep = replayChoices(cm, steps);
    trace = {
      format: TRACE_FORMAT, tool: `uffd-mc ${VERSION}`, kernel: KERNEL_REF, scenario, variant: variant.name,
      strategy: result.strategy, property: v.property, message: v.message, steps,
      final: hash64(cm.encode(rep.states.at(-1)!)),
      ...(options.foldLocalSteps === false ? { foldLocalSteps: false as const } : {}),
      ...(porApplies(options) ? { por: true as const } : {}),
    };
  }
  const symmetry = (options.symmetry ?? true) && cm.symmetricEncode !== undefined && options.maxPreemptions === undefined;
  return { scenario, variant, result, symmetry, trace, workers: options.workers ?? null, shard: options.shard ?? null, foldLocalSteps: options.foldLocalSteps ?? true, por: porApplies(options) };
}

export function checkScenario(scenario: Scenario, variant: Variant, options: CheckOptions = {}): ScenarioCheck {
  const { cm, opts } = prepareCheck(scenario, variant, options);
  return finishCheck(scenario, variant, options, cm, check(cm, opts));
}

/** checkScenario(), letting the event loop run every checker SLICE transitions (so a SIGINT handler can stop it). */
export async function checkScenarioAsync(scenario: Scenario, variant: Variant, options: CheckOptions = {}): Promise<ScenarioCheck> {
  const { strategy = 'bfs', workers, shard, maxPreemptions } = options;
  if (workers === undefined && shard === undefined && maxPreemptions === undefined && strategy !== 'pct') {
    const { cm, opts } = prepareCheck(scenario, variant, options);
    return finishCheck(scenario, variant, options, cm, await checkAsync(cm, opts));
  }
  kernelFor(variant);
  const cm = toCheckerModel(buildModel(scenario, variant, buildOptions(options)));
  const common = { symmetry: options.symmetry ?? true, onProgress: options.onProgress, shouldStop: options.shouldStop };
  let result: CheckResult;
  if (maxPreemptions !== undefined) {
    if (strategy !== 'bfs' || workers !== undefined || shard !== undefined) throw new RangeError('maxPreemptions: a sequential bfs only');
    result = await preemptionSearch(cm, { maxPreemptions, maxStates: options.maxStates, onProgress: options.onProgress, shouldStop: options.shouldStop });
  } else if (strategy === 'random' || strategy === 'pct') {
    const walkOptions = { ...common, strategy, seed: options.seed, walks: options.walks, maxDepth: options.maxDepth, maxStates: options.maxStates, pctDepth: options.pctDepth, shard };
    result = workers !== undefined && workers > 1
      ? await walkSearchParallel(cm, uffdModelSpec(scenario, variantRef(variant, options), buildOptions(options)), walkOptions, workers)
      : await walkSearch(cm, walkOptions);
  } else if (strategy === 'bfs') {
    const spec = workers !== undefined && workers > 1 ? uffdModelSpec(scenario, variantRef(variant, options), buildOptions(options)) : null;
    result = await parallelBfs(cm, spec, { ...common, workers: workers ?? 1, maxDepth: options.maxDepth, maxStates: options.maxStates });
  } else {
    throw new RangeError(`strategy ${strategy}: no parallel or sharded search`);
  }
  return finishCheck(scenario, variant, options, cm, result);
}

/** Where workers find the variant: a built-in by name, a variant file by path. */
function variantRef(variant: Variant, options: CheckOptions): VariantRef {
  if (options.variantFile !== undefined) return { file: options.variantFile };
  if (findVariant(variant.name) === variant) return { builtin: variant.name };
  throw new VariantError(`variant ${variant.name} is not a built-in: worker threads need its file (CheckOptions.variantFile)`);
}

export interface ReplayReport {
  text: string;
  /** 0: ran clean; 1: a violation (the trace's, or another); 3: diverged. */
  exitCode: 0 | 1 | 3;
  violation: { property: string; message: string; step: number } | null;
  diverged: { step: number; expected: string; enabled: string[] } | null;
}

/**
 * The model a trace was recorded on: folded local steps, or (foldLocalSteps: false) every step its own
 * transition; with the partial-order reduction only if it says so (Trace.por: traces written before it have no such field).
 */
function traceBuild(trace: Trace): BuildOptions {
  return { fold: trace.foldLocalSteps !== false, por: trace.por === true };
}

/** Whether a check with these options runs with the partial-order reduction (BuildOptions.por): only with folding. */
function porApplies(options: CheckOptions): boolean {
  return (options.foldLocalSteps ?? true) && (options.por ?? true);
}

/** Replay a trace on `variant` and keep what the renderers show (traces/render.ts RenderedTrace). */
export function renderTrace(trace: Trace, variant: Variant): RenderedTrace {
  const m = buildModel(trace.scenario, variant, traceBuild(trace));
  const cm = toCheckerModel(m);
  const rep = replayChoices(cm, trace.steps);
  const tids = rep.choices.map((choice, i) => cm.actions(rep.states[i]!)[choice]!);
  const ran = tids.map((t, i) => m.stepWithLabels(rep.states[i]!, t).ran);
  const steps = renderSteps(trace.scenario, rep.states, tids.map((t, i) => rep.states[i]!.threads[t]!.name), ran);
  const last = rep.states.at(-1)!;
  const explain = explainer(m);
  const stuck = last.threads.flatMap((th, t) => {
    const top = th.frames.at(-1);
    const why = explain(last, t);
    return top === undefined || why === 'runnable' ? [] : [{ thread: th.name, at: `${top.fn}():${top.at}`, why }];
  });
  const dv = rep.divergence;
  return {
    scenario: trace.scenario, recordedOn: trace.variant, variant: variant.name, tool: `uffd-mc ${VERSION}`, kernel: KERNEL_REF,
    threads: trace.scenario.threads.map(th => th.name), steps,
    violation: rep.violation === null ? null : { property: rep.violation.property, message: rep.violation.message, step: rep.violation.state },
    diverged: dv === null ? null : `at step ${dv.step + 1}: the trace takes "${dv.expected}", but on ${variant.name} the enabled steps are: ${dv.enabled.join('; ') || 'none'}`,
    stuck,
  };
}

/** Replay a trace on `variant` (default: the trace's own) and render it step by step. */
export function replayTrace(trace: Trace, variant: Variant): ReplayReport {
  const m = buildModel(trace.scenario, variant, traceBuild(trace));
  const cm = toCheckerModel(m);
  const rep = replayChoices(cm, trace.steps);
  const rendered = renderTrace(trace, variant);
  const last = rep.states.at(-1)!;
  const lines: string[] = [
    `replay of ${trace.scenario.name}: ${trace.steps.length} steps recorded on variant ${trace.variant}, replayed on ${variant.name}`,
    formatSteps(rendered.steps),
  ];
  let exitCode: 0 | 1 | 3 = 0;
  let diverged: ReplayReport['diverged'] = null;
  if (rep.divergence !== null) {
    const dv = rep.divergence;
    diverged = { step: dv.step, expected: dv.expected, enabled: dv.enabled };
    lines.push(`DIVERGED ${rendered.diverged}`);
    exitCode = 3;
  }
  const violation = rendered.violation;
  if (violation !== null) {
    lines.push(`✗ ${violation.property} violated after step ${violation.step}: ${violation.message}`);
    if (exitCode === 0) exitCode = 1;
  }
  const sameVariant = variant.name === trace.variant || /\.(m?js|m?ts)$/.test(trace.variant);
  if (violation !== null && sameVariant && rep.divergence === null && violation.property !== trace.property) {
    lines.push(`DIVERGED: the trace recorded a violation of ${trace.property}, but the replay violates ${violation.property}: the model changed since the trace was written`);
    exitCode = 3;
  } else if (violation === null && rep.divergence === null) {
    if (sameVariant && hash64(cm.encode(last)) !== trace.final) {
      lines.push(`DIVERGED: every step replayed but the final state differs from the recorded one (fingerprint ${hash64(cm.encode(last))}, trace says ${trace.final}): the model changed since the trace was written`);
      exitCode = 3;
    } else {
      const more = cm.actions(last).length;
      lines.push(`✓ runs clean on ${variant.name}: no property violated along the schedule${more > 0 ? ` (the final state still has ${more} enabled step${more > 1 ? 's' : ''}: terminal-state properties do not apply)` : ''}`);
    }
  }
  // Terminal-property messages already name the stuck threads.
  if (rep.violation?.kind !== 'terminal') lines.push(stuckReport(last, explainer(m)));
  return { text: `${lines.join('\n')}\n`, exitCode, violation, diverged };
}

/** A replayed trace in one of the people formats. */
export function formatTrace(t: RenderedTrace, format: 'race' | 'mermaid' | 'html', trace?: Trace): string {
  switch (format) {
    case 'race': return formatRace(t);
    case 'mermaid': return formatMermaid(t);
    case 'html': return formatHtml(t, trace);
  }
}

/** The header and table (or race diagram, or Mermaid diagram) of a counterexample, as printed by `uffd-mc check`. */
export function formatCounterexample(c: ScenarioCheck, traceFile: string | null, format: 'text' | 'race' | 'mermaid' = 'text'): string {
  const v = c.result.violation;
  if (v === null) return '';
  if (c.trace === null) return `✗ ${v.property}: ${v.message}\n`;
  const head = [
    `✗ ${v.kind} "${v.property}" violated at depth ${v.depth} (${c.result.strategy}, ${c.result.states} distinct states, variant ${c.variant.name})`,
    `  ${v.message}`,
  ];
  if (traceFile !== null) head.push(`  replay: uffd-mc replay ${traceFile}`);
  const body = format === 'text' ? replayTrace(c.trace, c.variant).text : formatTrace(renderTrace(c.trace, c.variant), format);
  return `${head.join('\n')}\n${body}`;
}

/** One summary line: name, verdict, COMPLETE or BOUNDED(bound), states, transitions, max depth[, time]. */
/** One result line; `nameWidth` (at least 26) lets a run of several scenarios keep its columns under the longest name. */
export function formatCheckLine(c: ScenarioCheck, ms: number | null, nameWidth = 26): string {
  const r = c.result;
  const verdict = r.verdict === 'ok' ? 'ok' : 'violation';
  const scope = `${r.complete ? 'COMPLETE' : `BOUNDED(${r.bound})`}${c.shard !== null ? ` shard ${c.shard.index}/${c.shard.count}` : ''}${c.foldLocalSteps ? (c.por ? '' : ' no-por') : ' unreduced'}`;
  const cols = [
    c.scenario.name.padEnd(nameWidth), verdict.padEnd(9), scope.padEnd(20),
    `states ${r.states}`.padEnd(16), `transitions ${r.transitions}`.padEnd(22), `depth ${r.maxDepth}`.padEnd(10),
  ];
  if (ms !== null) cols.push(`time ${(ms / 1000).toFixed(2)}s`);
  const extra = r.violation !== null ? `  [${r.violation.property}]` : '';
  return `${cols.join(' ').trimEnd()}${extra}`;
}

/** `uffd-mc list`: built-in scenarios, variants and properties, one line each. */
export function listText(): string {
  const props = makeProperties(() => '');
  const lines = ['scenarios:'];
  for (const s of builtinScenarios) lines.push(`  ${s.name.padEnd(26)} ${s.description}`);
  lines.push('variants:');
  for (const v of builtinVariants) lines.push(`  ${v.name.padEnd(26)} ${v.description}${v.demonstrates ? ` (violates ${v.demonstrates.property} on ${v.demonstrates.scenario})` : ''}`);
  lines.push('conformance cases (uffd-mc conform):');
  for (const c of conformanceCases) lines.push(`  ${c.name}`);
  lines.push('properties:');
  for (const p of props) lines.push(`  ${p.name.padEnd(26)} ${p.kind.padEnd(9)} ${p.description}`);
  return `${lines.join('\n')}\n`;
}

// Validating a patch: diff, the known-bug corpus, the cover-letter summary.
export { checkCorpus, checkCorpusEntry, diffVariants, formatCorpus, formatDiff, summaryBlock } from './patch-api.js';
export type { CorpusRow, DiffReport, DiffRow, GoalStatus, SummaryRun } from './patch-api.js';
export { knownBugs } from '../scenarios/known-bugs.js';
export type { CorpusEntry } from '../scenarios/known-bugs.js';

// Traces: parsing, and the regression test generated from one.
export { parseTrace, serializeTrace } from '../traces/format.js';
/** The ava test source of `uffd-mc test-from-trace`. */
export function testFromTraceSource(trace: Trace): string {
  return buildTestFromTrace(trace, `uffd-mc ${VERSION}`);
}
