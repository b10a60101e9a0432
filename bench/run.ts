/**
 * `npm run bench`: a fixed set of questions, each timed in a fresh process
 * (so that its peak RSS is its own). Prints one line per run — verdict,
 * distinct states, transitions, time, states/s, peak RSS, and bytes per
 * state: of the visited set (fingerprints) and in all (visited set plus the
 * BFS trace columns, parent and action) — and writes the rows as JSON
 * (bench/results.json, or --out FILE; written to a temporary file, then
 * renamed). The state objects of the BFS frontier are in the RSS, not in
 * these bytes.
 * Benchmarks, not tests: nothing here fails on time.
 *
 *   npm run bench                  every question
 *   npm run bench -- --quick       skips the wake-reference/mainline runs and the unreduced wake-reference one
 *   npm run bench -- --out FILE    where to write the JSON
 *   npm run bench -- --only REGEX  only the questions whose "scenario/variant/config" matches
 *
 * Then the partial-order estimate (checker/independence.ts) of seven small
 * mainline scenarios, four known bugs and wake-reference (not with --quick):
 * how many states ideal persistent sets and stubborn sets from per-step
 * footprints would leave, how many transitions fix a property (take a
 * violating state to a non-violating one, or leave a goal), what keeping
 * those out of the sets costs, and whether a reduced search loses a
 * violation or a goal (with --only, only the scenarios whose
 * "scenario/variant/por-estimate" matches).
 */
import { execFileSync } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { checkScenario, checkScenarioAsync, findVariant, toCheckerModel } from '../cli/api.js';
import { porEstimate, type FirstViolation, type SearchCount } from '../checker/index.js';
import { buildModel } from '../model/index.js';
import { threadPositions } from '../model/engine.js';
import type { KernelState } from '../model/state.js';
import { conflict, unionFootprints } from '../model/footprint.js';
import type { CheckOptions } from '../cli/api.js';
import { findScenario } from '../scenarios/builtin.js';

interface Question { scenario: string; variant: string; quick: boolean; options: CheckOptions; label: string }

/** The unreduced search: every step its own transition (no local-step folding), no symmetry. */
const unreduced: CheckOptions = { symmetry: false, foldLocalSteps: false };
/** The same, stopped after a million states (the unreduced wake-reference is too big to finish here). */
const unreducedCut: CheckOptions = { ...unreduced, maxStates: 1_000_000 };
/** Local-step folding only (no partial-order reduction, no symmetry). */
const folded: CheckOptions = { symmetry: false, por: false };
/** Folding and the partial-order reduction (model/index.ts BuildOptions.por), no symmetry. */
const por: CheckOptions = { symmetry: false };
/** Folding, the partial-order reduction and symmetry: the default check. */
const symmetric: CheckOptions = { symmetry: true };
/** The level-synchronous BFS of checker/parallel.ts in this thread, and over two worker threads. */
const oneWorker: CheckOptions = { symmetry: true, workers: 1 };
const twoWorkers: CheckOptions = { symmetry: true, workers: 2 };

/**
 * Each scenario unreduced ('unreduced': every step a scheduling point), with
 * local steps folded ('folded': no partial-order reduction, no symmetry), with
 * the partial-order reduction too ('por'), and where threads are
 * interchangeable with symmetry reduction too ('symmetry': the default check).
 */
const questions: Question[] = [
  { scenario: 'refile-race', variant: 'mainline', quick: true, options: unreduced, label: 'unreduced' },
  { scenario: 'refile-race', variant: 'mainline', quick: true, options: folded, label: 'folded' },
  { scenario: 'refile-race', variant: 'mainline', quick: true, options: por, label: 'por' },
  { scenario: 'two-faulters-one-page', variant: 'mainline', quick: true, options: unreduced, label: 'unreduced' },
  { scenario: 'two-faulters-one-page', variant: 'mainline', quick: true, options: folded, label: 'folded' },
  { scenario: 'two-faulters-one-page', variant: 'mainline', quick: true, options: por, label: 'por' },
  { scenario: 'two-faulters-one-page', variant: 'mainline', quick: true, options: symmetric, label: 'symmetry' },
  { scenario: 'wake-reference', variant: 'no-refile-seq', quick: false, options: unreducedCut, label: 'unreduced' },
  { scenario: 'wake-reference', variant: 'no-refile-seq', quick: true, options: folded, label: 'folded' },
  { scenario: 'wake-reference', variant: 'no-refile-seq', quick: true, options: por, label: 'por' },
  { scenario: 'wake-reference', variant: 'no-refile-seq', quick: true, options: symmetric, label: 'symmetry' },
  { scenario: 'wake-reference', variant: 'no-refile-seq', quick: true, options: oneWorker, label: '1 worker' },
  { scenario: 'wake-reference', variant: 'no-refile-seq', quick: true, options: twoWorkers, label: '2 workers' },
  { scenario: 'wake-reference', variant: 'mainline', quick: false, options: folded, label: 'folded' },
  { scenario: 'wake-reference', variant: 'mainline', quick: false, options: por, label: 'por' },
  { scenario: 'wake-reference', variant: 'mainline', quick: false, options: symmetric, label: 'symmetry' },
  { scenario: 'wake-reference', variant: 'mainline', quick: false, options: oneWorker, label: '1 worker' },
  { scenario: 'wake-reference', variant: 'mainline', quick: false, options: twoWorkers, label: '2 workers' },
  // Events: UNMAP/REMOVE/REMAP with a serving monitor, and REMOVE racing a COPY.
  { scenario: 'criu-like', variant: 'mainline', quick: true, options: folded, label: 'folded' },
  { scenario: 'criu-like', variant: 'mainline', quick: true, options: por, label: 'por' },
  { scenario: 'remove-vs-copy', variant: 'mainline', quick: true, options: unreduced, label: 'unreduced' },
  { scenario: 'remove-vs-copy', variant: 'mainline', quick: true, options: folded, label: 'folded' },
  { scenario: 'remove-vs-copy', variant: 'mainline', quick: true, options: por, label: 'por' },
  // hugetlb: two minor faults on one huge page under the fault mutex, and the same-or-colliding-index deadlock of known bug #10.
  { scenario: 'hugetlb-two-minor-faulters', variant: 'mainline', quick: true, options: unreduced, label: 'unreduced' },
  { scenario: 'hugetlb-two-minor-faulters', variant: 'mainline', quick: true, options: folded, label: 'folded' },
  { scenario: 'hugetlb-two-minor-faulters', variant: 'mainline', quick: true, options: por, label: 'por' },
  { scenario: 'hugetlb-copy-vs-fault-colliding-index', variant: 'hugetlb-userfault-holding-mutex', quick: true, options: folded, label: 'folded' },
  { scenario: 'hugetlb-copy-vs-fault-colliding-index', variant: 'hugetlb-userfault-holding-mutex', quick: true, options: por, label: 'por' },
];

/**
 * The scenarios whose partial-order estimate is measured: one uffd or several;
 * each about a second here but wake-reference (without symmetry: see below).
 */
interface PorQuestion {
  scenario: string; variant: string; quick: boolean; untilViolation?: boolean;
  /** Record every transition's footprint (the staticFootprints search; about 7 times a plain step): default true. */
  footprints?: boolean;
}
const porQuestions: PorQuestion[] = [
  { scenario: 'refile-race', variant: 'mainline', quick: true },
  { scenario: 'fork-vs-copy', variant: 'mainline', quick: true },
  { scenario: 'two-faulters-one-page', variant: 'mainline', quick: true },
  { scenario: 'unmap-two-uffds', variant: 'mainline', quick: true },
  { scenario: 'remove-vs-copy', variant: 'mainline', quick: true },
  { scenario: 'continue-vs-unmap', variant: 'mainline', quick: true },
  { scenario: 'hugetlb-two-minor-faulters', variant: 'mainline', quick: true },
  // Known bugs, where states violate always properties: does a reduction keep every violation, and
  // what does the properties' condition cost (porEstimate's fixing)?
  { scenario: 'remove-vs-copy', variant: 'mmap-changing-bool', quick: true },
  { scenario: 'copy-vs-dontunmap', variant: 'no-recheck-under-lock', quick: true },
  { scenario: 'fork-close-before-read', variant: 'fork-release-keeps-ctx', quick: true },
  { scenario: 'spurious-wakeup', variant: 'single-retry', quick: true },
  // The whole state space (porEstimate does not stop at the lost wakeup), then mainline's; without
  // symmetry, which the static estimate cannot use (its relations would be learned for one naming of
  // the interchangeable threads only).
  { scenario: 'wake-reference', variant: 'no-refile-seq', quick: false },
  // Not recording footprints on mainline: about 9 minutes, where no-refile-seq's already shows they save nothing.
  { scenario: 'wake-reference', variant: 'mainline', quick: false, footprints: false },
  // The question itself: how many states each search finds before the lost wakeup.
  { scenario: 'wake-reference', variant: 'no-refile-seq', quick: false, untilViolation: true, footprints: false },
];

interface PorRow {
  scenario: string; variant: string; untilViolation: boolean;
  /** With untilViolation: the first violation each search met (property, depth, states found by then). */
  fullViolation: FirstViolation | null; idealViolation: FirstViolation | null; staticViolation: FirstViolation | null; footprintViolation: FirstViolation | null;
  /** The folded search without the partial-order reduction or symmetry (the 'folded' configuration above). */
  fullStates: number; fullTransitions: number;
  /** The same with the smallest persistent sets and the cycle proviso. */
  idealStates: number; idealTransitions: number;
  /** fullStates / idealStates: what ideal persistent sets would save here, visibility aside. */
  stateRatio: number;
  /**
   * The partial-order reduction the checker has (the 'por' configuration: model/index.ts settle()),
   * without symmetry: its states and transitions (until the first violation with untilViolation)
   * and fullStates / porStates.
   */
  porStates: number; porTransitions: number; porRatio: number; porViolation: FirstViolation | null;
  /** The same with stubborn sets from learned dependencies between thread positions (an estimate for footprints declared per step). */
  staticStates: number; staticTransitions: number; staticRatio: number; staticTerminalsLost: number | null;
  /** Static sets that the exact check found not persistent (porEstimate's verify; 0 unless something is wrong). */
  staticNotPersistent: number;
  /**
   * The static sets again, with two positions dependent when the unions of the recorded footprints
   * (model/footprint.ts) of the steps taken from them conflict: what footprints declared per step could do.
   */
  footprintStates: number | null; footprintTransitions: number | null; footprintRatio: number | null; footprintTerminalsLost: number | null;
  footprintNotPersistent: number; footprintUnverified: number;
  /** Static sets whose exact check ran over budget. */
  staticUnverified: number;
  /**
   * porEstimate's fixing: transitions that take a state violating an always property
   * (or meeting a goal) to one that does not, and the ideal and static searches that keep such actions out
   * of ample sets (the condition a reduction needs to lose no violation and no goal).
   */
  fixingTransitions: number | null; idealPreservingStates: number | null; staticPreservingStates: number | null;
  /** Per always property and applicable goal that some transition fixes: how many do, and their labels. */
  fixingByProperty: { name: string; fixing: number; labels: string[] }[] | null;
  /** staticPreserving's sets that the exact check (with the properties' condition) found not persistent, or could not check. */
  staticPreservingNotPersistent: number; staticPreservingUnverified: number;
  /** Always properties violated, and goals met, somewhere in each search (fixing only). */
  found: { full: string[]; ideal: string[]; static: string[]; idealPreserving: string[]; staticPreserving: string[]; staticFootprints: string[] | null } | null;
  /** Pairs of actions enabled together, and the share of them that commute in that state. */
  pairs: number; commutingShare: number;
  terminalsLost: number | null;
  /** States of the full search on a cycle, ideal states the cycle proviso expanded fully, candidate sets given up over budget. */
  cyclicStates: number; provisoExpansions: number; budgetExhausted: number;
  seconds: number;
}

function measurePor(q: PorQuestion): PorRow {
  const t0 = performance.now();
  const m = buildModel(findScenario(q.scenario)!, findVariant(q.variant)!);
  const r = porEstimate(toCheckerModel(m), {
    maxStates: 1_000_000, positions: threadPositions, verify: true, untilViolation: q.untilViolation === true,
    // Recorded footprints of every transition of the full search (about 7 times a plain step).
    ...(q.footprints === false ? {} : { footprints: { of: (s: KernelState, t: number) => m.stepWithFootprint(s, t).footprint, conflict, union: unionFootprints } }),
    // The properties' condition: a third and fourth reduced search (about +25% on wake-reference); not
    // until the first violation, where the reduced searches see part of their graph only.
    fixing: q.untilViolation !== true,
  });
  const secs = (performance.now() - t0) / 1000;
  // The check stops at its first violation: on a known bug its count is until then, not the whole space.
  const built = checkScenario(findScenario(q.scenario)!, findVariant(q.variant)!, por).result;
  if (q.untilViolation === true && built.violation?.property !== r.full.violation?.property) {
    throw new Error(`por-estimate ${q.scenario}/${q.variant}: the reduced check and the full search meet different first violations`);
  }
  if (r.cut) throw new Error(`por-estimate ${q.scenario}: cut by maxStates; the estimate needs the whole state space`);
  // The preserving ideal search checks the condition exactly: a property it loses is a bug in the estimate.
  const lostByPreserving = r.fixing === null ? [] : [...r.full.found!.violated, ...r.full.found!.met]
    .filter(p => !r.idealPreserving!.found!.violated.includes(p) && !r.idealPreserving!.found!.met.includes(p));
  if (lostByPreserving.length > 0) throw new Error(`por-estimate ${q.scenario}/${q.variant}: the preserving ideal search lost ${lostByPreserving.join(', ')}`);
  return {
    scenario: q.scenario, variant: q.variant, untilViolation: q.untilViolation === true,
    fullViolation: r.full.violation, idealViolation: r.ideal.violation, staticViolation: r.static!.violation, footprintViolation: r.staticFootprints?.violation ?? null,
    fixingTransitions: r.fixing?.fixing ?? null, idealPreservingStates: r.idealPreserving?.states ?? null, staticPreservingStates: r.staticPreserving?.states ?? null,
    fixingByProperty: r.fixing?.byProperty.filter(p => p.fixing > 0) ?? null,
    found: r.fixing === null ? null : {
      full: names(r.full), ideal: names(r.ideal), static: names(r.static!), idealPreserving: names(r.idealPreserving!), staticPreserving: names(r.staticPreserving!),
      staticFootprints: r.staticFootprints === null ? null : names(r.staticFootprints),
    },
    staticPreservingNotPersistent: r.staticPreservingNotPersistent, staticPreservingUnverified: r.staticPreservingUnverified,
    fullStates: r.full.states, fullTransitions: r.full.transitions, idealStates: r.ideal.states, idealTransitions: r.ideal.transitions,
    stateRatio: +(r.full.states / r.ideal.states).toFixed(2),
    porStates: built.states, porTransitions: built.transitions, porRatio: +(r.full.states / built.states).toFixed(2),
    porViolation: built.violation === null ? null : { property: built.violation.property, depth: built.violation.depth, states: built.states },
    staticStates: r.static!.states, staticTransitions: r.static!.transitions, staticRatio: +(r.full.states / r.static!.states).toFixed(2),
    footprintStates: r.staticFootprints?.states ?? null, footprintTransitions: r.staticFootprints?.transitions ?? null,
    footprintRatio: r.staticFootprints === null ? null : +(r.full.states / r.staticFootprints.states).toFixed(2), footprintTerminalsLost: r.staticFootprintsTerminalsLost,
    footprintNotPersistent: r.footprintNotPersistent, footprintUnverified: r.footprintUnverified,
    staticTerminalsLost: r.staticTerminalsLost, staticNotPersistent: r.staticNotPersistent, staticUnverified: r.staticUnverified, pairs: r.pairs, commutingShare: +(r.commuting / Math.max(1, r.pairs)).toFixed(3),
    terminalsLost: r.terminalsLost, cyclicStates: r.cyclicStates, provisoExpansions: r.provisoExpansions, budgetExhausted: r.budgetExhausted,
    seconds: +secs.toFixed(2),
  };
}

/** The always properties violated and goals met in a search (porEstimate's fixing). */
const names = (c: SearchCount): string[] => [...c.found!.violated, ...c.found!.met.map(g => `goal ${g}`)];

const found = (v: FirstViolation | null): string => (v === null ? 'none' : `${v.property} at depth ${v.depth} after ${v.states} states`);

/** "ideal loses not-x" lines: properties violated (goals met) in the full search that a reduced one never reached. */
function lostProperties(f: NonNullable<PorRow['found']>): string[] {
  const lost = (mode: keyof typeof f): string[] => f.full.filter(p => !(f[mode]?.includes(p) ?? true)).map(p => `${mode} loses ${p};`);
  return [...lost('ideal'), ...lost('static'), ...lost('idealPreserving'), ...lost('staticPreserving'), ...lost('staticFootprints')];
}

function porLine(r: PorRow): string {
  if (r.untilViolation) {
    return [
      `por-estimate ${r.scenario}/${r.variant} (until the first violation):`, `full ${found(r.fullViolation)};`,
      `ideal persistent sets ${found(r.idealViolation)}; the checker's partial-order reduction ${found(r.porViolation)};`,
      `static (observed dependence) ${found(r.staticViolation)};`,
      ...(r.footprintStates === null ? [] : [`static (recorded footprints) ${found(r.footprintViolation)};`]),
      `${r.seconds.toFixed(1)} s`,
    ].join(' ');
  }
  return [
    `por-estimate ${r.scenario}/${r.variant}:`, `full ${r.fullStates} states ${r.fullTransitions} transitions,`,
    `ideal persistent sets ${r.idealStates} states ${r.idealTransitions} transitions (${r.stateRatio}x fewer states),`,
    r.porViolation === null ? `the checker's partial-order reduction ${r.porStates} states ${r.porTransitions} transitions (${r.porRatio}x),`
      : `the checker's partial-order reduction stops at ${found(r.porViolation)},`,
    `static, observed dependence ${r.staticStates} states ${r.staticTransitions} transitions (${r.staticRatio}x; sets found not persistent ${r.staticNotPersistent}, unverified ${r.staticUnverified});`,
    ...(r.footprintStates === null ? [] : [
      `static, recorded footprints ${r.footprintStates} states ${r.footprintTransitions} transitions (${r.footprintRatio}x; not persistent ${r.footprintNotPersistent}, unverified ${r.footprintUnverified}, terminal states lost ${r.footprintTerminalsLost});`,
    ]),
    ...(r.fixingTransitions === null ? [] : [
      `fixing a property ${r.fixingTransitions} of ${r.fullTransitions} transitions${r.fixingByProperty!.map(p => ` (${p.name}: ${p.fixing})`).join('')},`,
      `preserving ideal ${r.idealPreservingStates} states, static ${r.staticPreservingStates} (not persistent ${r.staticPreservingNotPersistent}, unverified ${r.staticPreservingUnverified});`,
      ...lostProperties(r.found!),
    ]),
    `${(100 * r.commutingShare).toFixed(1)}% of ${r.pairs} co-enabled pairs commute; terminal states lost ${r.terminalsLost} / ${r.staticTerminalsLost};`,
    `states on a cycle ${r.cyclicStates}, proviso expansions ${r.provisoExpansions}, over budget ${r.budgetExhausted}; ${r.seconds.toFixed(1)} s`,
  ].join(' ');
}

interface Row {
  scenario: string; variant: string; config: string; verdict: string; scope: string;
  states: number; transitions: number; maxDepth: number; violationDepth: number | null;
  seconds: number; statesPerSecond: number; transitionsPerSecond: number; peakRssMB: number;
  /** Visited set (fingerprints), allocated bytes per distinct state. */
  visitedBytesPerState: number;
  /** BFS trace columns (parent id, action index), allocated bytes per distinct state. */
  traceBytesPerState: number;
  /** visited + trace. */
  bytesPerState: number;
}

/** One run, in this process (the child's side). */
async function measure(q: Question): Promise<Row> {
  const t0 = performance.now();
  const r = (await checkScenarioAsync(findScenario(q.scenario)!, findVariant(q.variant)!, q.options)).result;
  const secs = (performance.now() - t0) / 1000;
  return {
    scenario: q.scenario, variant: q.variant, config: q.label, verdict: r.verdict, scope: r.complete ? 'COMPLETE' : `BOUNDED(${r.bound})`,
    states: r.states, transitions: r.transitions, maxDepth: r.maxDepth, violationDepth: r.violation?.depth ?? null,
    seconds: +secs.toFixed(2), statesPerSecond: Math.round(r.states / secs), transitionsPerSecond: Math.round(r.transitions / secs),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    visitedBytesPerState: +(r.visitedBytes / r.states).toFixed(1), traceBytesPerState: +(r.traceBytes / r.states).toFixed(1),
    bytesPerState: +(r.storedBytes / r.states).toFixed(1),
  };
}

function line(r: Row): string {
  return [
    r.scenario.padEnd(22), r.variant.padEnd(14), r.config.padEnd(10), r.verdict.padEnd(9), r.scope.padEnd(9),
    `states ${String(r.states).padStart(9)}`, `transitions ${String(r.transitions).padStart(9)}`,
    `${r.seconds.toFixed(2).padStart(8)} s`, `${String(r.statesPerSecond).padStart(6)} states/s`,
    `RSS ${String(r.peakRssMB).padStart(5)} MB`, `visited ${r.visitedBytesPerState} B/state`, `total ${r.bytesPerState} B/state`,
  ].join('  ');
}

/**
 * One line per scenario/variant measured unreduced: the state counts of its
 * other configurations and the reduction ratio against the unreduced search
 * ("at least" when a bound cut the unreduced one).
 */
function reductions(rows: readonly Row[]): string[] {
  const out: string[] = [];
  for (const u of rows.filter(r => r.config === 'unreduced')) {
    const cut = u.scope !== 'COMPLETE' || u.verdict !== 'ok' ? '>=' : '';
    const others = rows.filter(r => r.scenario === u.scenario && r.variant === u.variant && r.config !== 'unreduced' && !r.config.includes('worker'));
    const parts = others.map(r => `${r.config} ${r.states} (${cut}${(u.states / r.states).toFixed(1)}x)`);
    out.push(`reduction ${u.scenario}/${u.variant}: unreduced ${cut}${u.states}${parts.length > 0 ? `, ${parts.join(', ')}` : ''}`);
  }
  return out;
}

const argv = process.argv.slice(2);
const child = argv.indexOf('--child');
if (child >= 0) {
  process.stdout.write(JSON.stringify(await measure(questions[Number(argv[child + 1])]!)));
} else {
  const quick = argv.includes('--quick');
  const outAt = argv.indexOf('--out');
  const out = outAt >= 0 ? argv[outAt + 1] : 'bench/results.json';
  const onlyAt = argv.indexOf('--only');
  const onlyText = onlyAt >= 0 ? argv[onlyAt + 1] : '';
  let only: RegExp | null = null;
  try {
    only = onlyText === undefined || onlyText === '' ? null : new RegExp(onlyText);
  } catch { /* reported below */ }
  const known = (a: string, i: number): boolean => a === '--quick' || a === '--out' || a === '--only' || (outAt >= 0 && i === outAt + 1) || (onlyAt >= 0 && i === onlyAt + 1);
  if (out === undefined || out === '' || (onlyAt >= 0 && only === null) || !argv.every(known)) {
    process.stderr.write('usage: npm run bench -- [--quick] [--out FILE] [--only REGEX]\n');
    process.exit(2);
  }
  const rows: Row[] = [];
  const self = fileURLToPath(import.meta.url);
  questions.forEach((q, i) => {
    if ((quick && !q.quick) || (only !== null && !only.test(`${q.scenario}/${q.variant}/${q.label}`))) return;
    const row = JSON.parse(execFileSync(process.execPath, [self, '--child', String(i)], { encoding: 'utf8', maxBuffer: 1 << 20 })) as Row;
    rows.push(row);
    console.log(line(row));
  });
  for (const r of reductions(rows)) console.log(r);
  const porRows: PorRow[] = [];
  for (const q of porQuestions) {
    if ((quick && !q.quick) || (only !== null && !only.test(`${q.scenario}/${q.variant}/por-estimate`))) continue;
    const row = measurePor(q);
    porRows.push(row);
    console.log(porLine(row));
  }
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ quick, node: process.version, rows, porEstimate: porRows }, null, 2)}\n`);
  renameSync(tmp, out);
  console.log(`results written to ${out}`);
}
