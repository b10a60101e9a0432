/**
 * The uffd-mc command line. The only module that touches argv, the file
 * system, stdout/stderr and the clock (for the time column). `run()` takes
 * its effects as parameters so tests can drive it in-process.
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { ScenarioCheck, Trace, Variant } from './api.js';
import { builtinScenarios, checkCorpus, checkScenarioAsync, diffVariants, findVariant, formatCheckLine, formatCorpus, formatCounterexample, formatDiff, formatTrace, listText, renderTrace, replayTrace, stepsText, summaryBlock, testFromTraceSource } from './api.js';
import { toCommand, USAGE, UsageError } from './args.js';
import { estimateTotal, roughly } from './estimate.js';
import { parseScenario, ScenarioError } from '../model/scenario.js';
import type { Scenario } from '../model/scenario.js';
import { VariantError } from '../model/variants.js';
import { builtinScenarioJson, findScenario } from '../scenarios/builtin.js';
import { parseTrace, serializeTrace, TraceError } from '../traces/format.js';
import { cases as coreCases } from '../conformance/cases.js';
import { modelledEventCases } from '../conformance/cases-events.js';

const conformanceCases = [...coreCases, ...modelledEventCases];
import { compare, compileRunner, removeRunner, runOnKernel, runOnModel } from '../conformance/index.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  readFile(path: string): string;
  /** Write atomically: a temporary file in the same folder, then rename. */
  writeFileAtomic(path: string, text: string): void;
  importModule(path: string): Promise<unknown>;
  now(): number;
  /**
   * Where to show progress on runs longer than 2 s, or null for none. On a
   * terminal one line rewritten in place; elsewhere ('' ends a run) full
   * lines, at most one every 10 s.
   */
  progress: ((line: string) => void) | null;
  /** Call `handler` on an interrupt (SIGINT) until the returned function is called. Absent: never interrupted. */
  onInterrupt?(handler: () => void): () => void;
}

/** Bad input: printed as one line, exit code 2. */
class InputError extends Error {}

export const nodeIo: Io = {
  out: t => process.stdout.write(t),
  err: t => process.stderr.write(t),
  readFile: p => readFileSync(p, 'utf8'),
  writeFileAtomic: (p, text) => {
    const tmp = join(dirname(resolve(p)), `.${basename(p)}.${process.pid}.tmp`);
    try {
      writeFileSync(tmp, text);
      renameSync(tmp, p);
    } catch (e) {
      try { unlinkSync(tmp); } catch { /* nothing was written */ }
      throw e;
    }
  },
  importModule: p => {
    registerVariantHooks();
    return import(pathToFileURL(resolve(p)).href);
  },
  now: () => performance.now(),
  progress: process.stderr.isTTY ? (line: string) => process.stderr.write(`\r${line}\x1b[K`) : lineProgress(),
  onInterrupt: handler => {
    process.on('SIGINT', handler);
    return () => { process.off('SIGINT', handler); };
  },
};

/** Progress for a pipe or a log file: whole lines, at most one per 10 s. */
function lineProgress(): (line: string) => void {
  let last = -Infinity;
  return line => {
    const now = performance.now();
    if (line === '' || now - last < 10_000) return;
    last = now;
    process.stderr.write(`${line}\n`);
  };
}

let hooksRegistered = false;

/** Let variant files be TypeScript and import 'uffd-mc' from anywhere (cli/ts-hooks.ts). Once per process. */
function registerVariantHooks(): void {
  if (hooksRegistered) return;
  register(new URL('./ts-hooks.js', import.meta.url));
  hooksRegistered = true;
}

function readJson(io: Io, file: string): unknown {
  let text: string;
  try {
    text = io.readFile(file);
  } catch (e) {
    throw new InputError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON: ${oneLine((e as Error).message)}`);
  }
}

/** Error texts quoted from elsewhere (JSON.parse, import) may span lines: keep one. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').slice(0, 300);
}

function looksLikeFile(arg: string): boolean {
  return arg.includes('/') || arg.includes('.');
}

function loadScenario(io: Io, arg: string): Scenario {
  const builtin = findScenario(arg);
  if (builtin !== undefined) return builtin;
  if (!looksLikeFile(arg)) {
    throw new InputError(`${arg}: no built-in scenario of that name (built-ins: ${builtinScenarios.map(s => s.name).join(', ')}); a scenario file needs a path or a .json name`);
  }
  const json = readJson(io, arg);
  try {
    return parseScenario(json);
  } catch (e) {
    if (e instanceof ScenarioError) throw new InputError(`${arg}: ${e.message}`);
    throw e;
  }
}

function isVariant(v: unknown): v is Variant {
  const o = v as { [k: string]: unknown } | null;
  return typeof o === 'object' && o !== null && typeof o['name'] === 'string' && typeof o['description'] === 'string' && Array.isArray(o['patches']);
}

async function loadVariant(io: Io, arg: string): Promise<Variant> {
  const builtin = findVariant(arg);
  if (builtin !== undefined) return builtin;
  if (!looksLikeFile(arg)) throw new InputError(`--variant ${arg}: no built-in variant of that name (see 'uffd-mc list'), and not a file path`);
  let mod: unknown;
  try {
    mod = await io.importModule(arg);
  } catch (e) {
    throw new InputError(`--variant ${arg}: cannot load: ${oneLine((e as Error).message)}`);
  }
  const m = mod as { default?: unknown; variant?: unknown };
  const v = m.default ?? m.variant;
  if (!isVariant(v)) throw new InputError(`--variant ${arg}: the module must export (default or as "variant") an object { name, description, cites, patches: [...] }`);
  return v;
}

async function check(io: Io, cmd: Extract<ReturnType<typeof toCommand>, { verb: 'check' }>): Promise<number> {
  const scenarios = cmd.scenarios.length === 0 ? [...builtinScenarios] : cmd.scenarios.map(a => loadScenario(io, a));
  const sources = cmd.scenarios.length === 0 ? scenarios.map(s => s.name) : cmd.scenarios;
  const variant = await loadVariant(io, cmd.variant);
  const variantFromFile = findVariant(cmd.variant) === undefined;
  let surprises = 0;
  const nameWidth = Math.max(26, ...scenarios.map(sc => sc.name.length + 1));
  let traceWritten = false;
  const checks: ScenarioCheck[] = [];
  let interrupted = false;
  const stopListening = io.onInterrupt?.(() => { interrupted = true; }) ?? (() => {});
  try {
    for (const [i, sc] of scenarios.entries()) {
      if (interrupted) break;
      const t0 = io.now();
      let c: ScenarioCheck;
      try {
        const show = io.progress;
        let previous: { states: number; frontier: number } | null = null;
        c = await checkScenarioAsync(sc, variant, {
          strategy: cmd.strategy,
          symmetry: cmd.symmetry,
          ...(cmd.foldLocal === false ? { foldLocalSteps: false } : {}),
          ...(cmd.por === false ? { por: false } : {}),
          shouldStop: () => interrupted,
          ...(cmd.seed !== undefined ? { seed: cmd.seed } : {}),
          ...(cmd.walks !== undefined ? { walks: cmd.walks } : {}),
          ...(cmd.pctDepth !== undefined ? { pctDepth: cmd.pctDepth } : {}),
          ...(cmd.workers !== undefined ? { workers: cmd.workers } : {}),
          ...(cmd.shard !== undefined ? { shard: cmd.shard } : {}),
          ...(cmd.maxPreemptions !== undefined ? { maxPreemptions: cmd.maxPreemptions } : {}),
          ...(variantFromFile ? { variantFile: resolve(cmd.variant) } : {}),
          ...(show !== null ? { onProgress: (p: { states: number; transitions: number; depth: number; frontier: number }) => {
            // The previous report's sample, for the BFS estimate (cli/estimate.ts); DFS and walks have none.
            const estimate = cmd.strategy === 'bfs' && previous !== null ? estimateTotal(previous, p) : null;
            previous = p;
            const secs = (io.now() - t0) / 1000;
            if (secs < 2) return;
            const rate = Math.round(p.states / secs);
            show(cmd.json
              ? JSON.stringify({ progress: { scenario: sc.name, states: p.states, transitions: p.transitions, depth: p.depth, queue: p.frontier, statesPerSecond: rate, estimatedTotal: estimate } })
              : `${sc.name}: ${p.states} states, ${p.transitions} transitions, depth ${p.depth}, queue ${p.frontier}, ${rate} states/s${estimate === null ? '' : `, est. total ~${roughly(estimate)}`}`);
          } } : {}),
          ...(cmd.maxDepth !== null ? { maxDepth: cmd.maxDepth } : {}),
          ...(cmd.maxStates !== null ? { maxStates: cmd.maxStates } : {}),
        });
      } catch (e) {
        if (e instanceof VariantError) throw new InputError(variantFromFile ? `--variant ${cmd.variant}: ${e.message}` : e.message);
        if (e instanceof ScenarioError) throw new InputError(`${sources[i]}: ${e.message}`);
        throw e;
      }
      if (io.progress !== null) io.progress('');
      const ms = cmd.time ? io.now() - t0 : null;
      const r = c.result;
      // A scenario's `expect` is the verdict mainline must give (a built-in that demonstrates a
      // deadlock says "violation"); under a patched variant every scenario is expected to pass.
      const expected = variant.name === 'mainline' && !variantFromFile ? sc.expect : 'ok';
      if (r.verdict !== expected) surprises += 1;
      let traceFile: string | null = null;
      if (cmd.trace !== null && c.trace !== null && !traceWritten) {
        // A trace found with a variant file names that file, so `replay TRACE` finds it again.
        const trace = variantFromFile ? { ...c.trace, variant: cmd.variant } : c.trace;
        try {
          io.writeFileAtomic(cmd.trace, serializeTrace(trace));
        } catch (e) {
          throw new InputError(`${cmd.trace}: cannot write the trace: ${(e as NodeJS.ErrnoException).code ?? oneLine((e as Error).message)}`);
        }
        traceWritten = true;
        traceFile = cmd.trace;
      }
      if (cmd.json) {
        io.out(`${JSON.stringify({
          scenario: sc.name, variant: variant.name, verdict: r.verdict, expected, complete: r.complete, bound: r.bound,
          states: r.states, transitions: r.transitions, maxDepth: r.maxDepth, strategy: r.strategy, symmetry: c.symmetry, storedBytes: r.storedBytes,
          workers: c.workers, shard: c.shard === null ? null : `${c.shard.index}/${c.shard.count}`,
          ...(cmd.maxPreemptions !== undefined ? { maxPreemptions: cmd.maxPreemptions } : {}),
          ...(cmd.foldLocal === false ? { foldLocalSteps: false } : {}),
          por: c.por,
          visitedBytes: r.visitedBytes, traceBytes: r.traceBytes,
          ...(ms !== null ? { timeMs: Math.round(ms) } : {}),
          violation: r.violation, goals: r.goals, trace: traceFile,
        })}\n`);
      } else {
        io.out(`${formatCheckLine(c, ms, nameWidth)}${r.verdict === expected && expected === 'violation' ? '  (expected)' : ''}\n`);
        if (r.violation !== null) io.out(`${formatCounterexample(c, traceFile, cmd.format === 'race' || cmd.format === 'mermaid' ? cmd.format : 'text')}\n`);
      }
      checks.push(c);
    }
  } finally {
    stopListening();
  }
  if (interrupted) {
    const left = scenarios.length - checks.length;
    io.err(`uffd-mc: interrupted${left > 0 ? `; ${left} scenario${left === 1 ? '' : 's'} not checked` : ''}\n`);
  }
  if (cmd.summary === true) io.out(`\n${summaryBlock([{ variant, source: variantFromFile ? cmd.variant : undefined, checks }])}`);
  return surprises > 0 ? 1 : interrupted ? 130 : 0;
}

function readTrace(io: Io, file: string): Trace {
  try {
    return parseTrace(readJson(io, file));
  } catch (e) {
    if (e instanceof TraceError) throw new InputError(`${file}: ${e.message}`);
    throw e;
  }
}

async function replay(io: Io, cmd: Extract<ReturnType<typeof toCommand>, { verb: 'replay' }>): Promise<number> {
  const trace = readTrace(io, cmd.trace);
  const variant = await loadVariant(io, cmd.variant ?? trace.variant);
  const report = replayTrace(trace, variant);
  io.out(cmd.format === undefined || cmd.format === 'text' ? report.text : formatTrace(renderTrace(trace, variant), cmd.format, trace));
  return report.exitCode;
}

/** `uffd-mc conform`: run conformance cases on this machine's kernel and on the model; print agreement per case. */
function conform(io: Io, cmd: Extract<ReturnType<typeof toCommand>, { verb: 'conform' }>): number {
  const chosen = cmd.cases.length === 0 ? [...conformanceCases] : cmd.cases.map(name => {
    const c = conformanceCases.find(x => x.name === name);
    if (c === undefined) throw new InputError(`${name}: no conformance case of that name (see 'uffd-mc list')`);
    return c;
  });
  if (findVariant(cmd.variant) === undefined) throw new InputError(`--variant ${cmd.variant}: no built-in variant of that name (conform takes built-in variants)`);
  const runner = compileRunner();
  if (typeof runner !== 'string') throw new InputError(`cannot run on the kernel: ${runner.unavailable}`);
  let differ = 0;
  try {
    for (const c of chosen) {
      const diffs = compare(runOnKernel(c, runner), runOnModel(c, cmd.variant));
      if (diffs.length > 0) differ += 1;
      io.out(`${c.name.padEnd(44)} ${diffs.length === 0 ? 'agree' : `DIFFER (${diffs.length})`}\n`);
      for (const d of diffs) io.out(`    ${d}\n`);
    }
  } finally {
    removeRunner(runner);
  }
  io.out(`conform: ${chosen.length - differ} agree, ${differ} differ (kernel of this machine vs model variant ${cmd.variant})\n`);
  return differ > 0 ? 1 : 0;
}

/** A built-in variant's name or a variant file, loaded as the CLI does (for generated regression tests). */
export function variantNamed(arg: string): Promise<Variant> {
  return loadVariant(nodeIo, arg);
}

// ---- Validating a patch: diff, --corpus, test-from-trace (cli/patch-api.ts) ----

/** `uffd-mc check --corpus`: every known-bug entry, both ways. */
function corpus(io: Io): number {
  const rows = checkCorpus();
  io.out(formatCorpus(rows));
  return rows.some(r => r.status === 'FAIL') ? 1 : 0;
}

/** `uffd-mc diff --base V --patched V [SCENARIO ...]`: exit 0 if the patched variant is clean, 1 if not. */
async function diff(io: Io, cmd: Extract<ReturnType<typeof toCommand>, { verb: 'diff' }>): Promise<number> {
  const scenarios = cmd.scenarios.length === 0 ? [...builtinScenarios] : cmd.scenarios.map(a => loadScenario(io, a));
  const base = await loadVariant(io, cmd.base);
  const patched = await loadVariant(io, cmd.patched);
  let report;
  try {
    report = diffVariants(scenarios, base, patched, {
      strategy: cmd.strategy,
      symmetry: cmd.symmetry,
      ...(cmd.seed !== undefined ? { seed: cmd.seed } : {}),
      ...(cmd.walks !== undefined ? { walks: cmd.walks } : {}),
      ...(cmd.maxDepth !== null ? { maxDepth: cmd.maxDepth } : {}),
      ...(cmd.maxStates !== null ? { maxStates: cmd.maxStates } : {}),
    });
  } catch (e) {
    if (e instanceof VariantError) throw new InputError(e.message);
    throw e;
  }
  const source = (arg: string): string | undefined => (findVariant(arg) === undefined ? arg : undefined);
  io.out(formatDiff(report, { base: source(cmd.base), patched: source(cmd.patched) }));
  return report.clean ? 0 : 1;
}

/** `uffd-mc test-from-trace TRACE [--out FILE]`: an ava test replaying the trace and asserting its violation. */
function testFromTrace(io: Io, cmd: Extract<ReturnType<typeof toCommand>, { verb: 'test-from-trace' }>): number {
  const trace = readTrace(io, cmd.trace);
  const text = testFromTraceSource(trace);
  if (cmd.out === null) {
    io.out(text);
    return 0;
  }
  try {
    io.writeFileAtomic(cmd.out, text);
  } catch (e) {
    throw new InputError(`${cmd.out}: cannot write the test: ${(e as NodeJS.ErrnoException).code ?? oneLine((e as Error).message)}`);
  }
  io.out(`wrote ${cmd.out}: an ava test replaying ${trace.scenario.name} (${trace.steps.length} steps on ${trace.variant}) and asserting ${trace.property}\n`);
  return 0;
}

/** Leave quietly when our reader goes away (`uffd-mc check | head`): EPIPE is not an error. */
export function exitQuietlyOnEpipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

/** Run one command line; returns the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  try {
    const cmd = toCommand(argv);
    switch (cmd.verb) {
      case 'help':
        if (argv.length === 0) { io.err(USAGE); return 2; }
        io.out(USAGE);
        return 0;
      case 'list': io.out(listText()); return 0;
      case 'show': {
        const json = builtinScenarioJson(cmd.scenario);
        if (json === undefined) throw new InputError(`${cmd.scenario}: no built-in scenario of that name (see 'uffd-mc list')`);
        io.out(`${JSON.stringify(json, null, 2)}\n`);
        return 0;
      }
      case 'check': return await check(io, cmd);
      case 'replay': return await replay(io, cmd);
      case 'conform': return conform(io, cmd);
      case 'corpus': return corpus(io);
      case 'diff': return await diff(io, cmd);
      case 'steps': io.out(stepsText(await loadVariant(io, cmd.variant), cmd.fns)); return 0;
      case 'test-from-trace': return testFromTrace(io, cmd);
    }
  } catch (e) {
    if (e instanceof UsageError) { io.err(`uffd-mc: ${e.message}\n${USAGE}`); return 2; }
    if (e instanceof InputError || e instanceof VariantError) { io.err(`uffd-mc: ${e.message}\n`); return 2; }
    io.err(`uffd-mc: internal error: ${(e as Error).message}\n(this is a bug in uffd-mc, not in your input; please report it with the command line)\n`);
    return 4;
  }
}
