/**
 * Validating a kernel patch (library side of `uffd-mc diff`, `check --corpus`
 * and `check --summary`): run a base and a patched variant on the same
 * scenarios and compare verdicts, states and `sometimes` goals; run the
 * known-bug corpus in both directions; a summary block for a cover letter.
 * Reads no files, prints nothing. Re-exported by cli/api.ts.
 */
import type { Goal } from '../checker/index.js';
import type { Scenario } from '../model/scenario.js';
import type { Variant } from '../model/variants.js';
import { findVariant } from '../model/variants.js';
import { findScenario } from '../scenarios/builtin.js';
import type { CorpusEntry, ModelledEntry } from '../scenarios/known-bugs.js';
import { isModelled, knownBugs } from '../scenarios/known-bugs.js';
import type { CheckOptions, ScenarioCheck } from './api.js';
import { checkScenario, KERNEL_REF, VERSION } from './api.js';

/** A goal's fate in one run: a run stopped at a safety violation may not have got to it. */
export type GoalStatus = 'reached' | 'not reached' | 'unknown';

function goalStatus(c: ScenarioCheck, g: Goal): GoalStatus {
  if (g.reached) return 'reached';
  const v = c.result.violation;
  return v !== null && v.kind !== 'sometimes' ? 'unknown' : 'not reached';
}

/** The safety/terminal property a run violated (not an unreached goal), or null. */
function violated(c: ScenarioCheck): string | null {
  const v = c.result.violation;
  return v !== null && v.kind !== 'sometimes' ? v.property : null;
}

export interface DiffRow {
  scenario: string;
  base: ScenarioCheck;
  patched: ScenarioCheck;
  /** Violated on patched, not on base (each run stops at its first, shallowest, violation). */
  introduced: string[];
  /** Violated on base, not on patched. */
  fixed: string[];
  /** Goals reached on base but not on patched: the patch made the interesting path unreachable (vacuity). */
  lostGoals: string[];
  /** Goals the patched run did not get to because it stopped at a violation. */
  unknownGoals: string[];
}

export interface DiffReport {
  base: Variant;
  patched: Variant;
  rows: DiffRow[];
  /** The patched variant passes every scenario: no violation and every applicable goal reached. */
  clean: boolean;
}

/** Run `base` and `patched` on each scenario and compare them. */
export function diffVariants(scenarios: readonly Scenario[], base: Variant, patched: Variant, options: CheckOptions = {}): DiffReport {
  const rows = scenarios.map((sc): DiffRow => {
    const b = checkScenario(sc, base, options);
    const p = checkScenario(sc, patched, options);
    const vb = violated(b);
    const vp = violated(p);
    const lostGoals: string[] = [];
    const unknownGoals: string[] = [];
    for (const g of p.result.goals) if (goalStatus(p, g) === 'unknown') unknownGoals.push(g.name);
    // A goal reached on base is lost if the patched run did not reach it, or it no longer even applies there.
    for (const g of b.result.goals.filter(x => x.reached)) {
      const onPatched = p.result.goals.find(x => x.name === g.name);
      if (onPatched === undefined || goalStatus(p, onPatched) === 'not reached') lostGoals.push(g.name);
    }
    return {
      scenario: sc.name, base: b, patched: p,
      introduced: vp !== null && vp !== vb ? [vp] : [],
      fixed: vb !== null && vb !== vp ? [vb] : [],
      lostGoals, unknownGoals,
    };
  });
  return { base, patched, rows, clean: rows.every(r => r.patched.result.verdict === 'ok' && r.lostGoals.length === 0) };
}

function verdictText(c: ScenarioCheck): string {
  const r = c.result;
  const scope = r.complete ? 'COMPLETE' : `BOUNDED(${r.bound})`;
  if (r.violation === null) return `ok ${scope}`;
  if (r.violation.kind === 'sometimes') return `vacuous ${scope}`;
  return `violation ${scope}`;
}

function table(header: string[], rows: string[][]): string[] {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd();
  return [line(header), line(w.map(n => '-'.repeat(n))), ...rows.map(line)];
}

function variantLabel(v: Variant, source: string | undefined): string {
  return source !== undefined && source !== v.name ? `${v.name} (${source})` : v.name;
}

/** The diff table, a verdict line, and the cover-letter block. `sources` name the variant files, if any. */
export function formatDiff(d: DiffReport, sources: { base?: string | undefined; patched?: string | undefined } = {}): string {
  const goals = (r: DiffRow): string => {
    const parts: string[] = [];
    if (r.lostGoals.length > 0) parts.push(`LOST: ${r.lostGoals.join(', ')}`);
    if (r.unknownGoals.length > 0) parts.push(`not determined (stopped at the violation): ${r.unknownGoals.join(', ')}`);
    const unreachedOnBoth = r.patched.result.goals.filter(g => !g.reached && !r.lostGoals.includes(g.name) && !r.unknownGoals.includes(g.name));
    if (unreachedOnBoth.length > 0) parts.push(`not reached on either: ${unreachedOnBoth.map(g => g.name).join(', ')}`);
    if (parts.length === 0) return r.patched.result.goals.length === 0 ? '(none apply)' : `all ${r.patched.result.goals.length} reached`;
    return parts.join('; ');
  };
  const rows = d.rows.map(r => [
    r.scenario, verdictText(r.base), verdictText(r.patched),
    `${r.base.result.states} -> ${r.patched.result.states}`,
    r.introduced.join(', ') || '-', r.fixed.join(', ') || '-', goals(r),
  ]);
  const lines = [
    `diff: base ${variantLabel(d.base, sources.base)} -> patched ${variantLabel(d.patched, sources.patched)}`,
    '',
    ...table(['scenario', 'base', 'patched', 'states', 'introduced', 'fixed', 'sometimes goals (patched)'], rows),
    '',
  ];
  const introduced = d.rows.flatMap(r => r.introduced.map(p => `${p} on ${r.scenario}`));
  const kept = d.rows.filter(r => r.introduced.length === 0 && violated(r.patched) !== null).map(r => `${violated(r.patched)} on ${r.scenario}`);
  const lost = d.rows.flatMap(r => r.lostGoals.map(g => `${g} on ${r.scenario}`));
  const vacuousBoth = d.rows.filter(r => r.lostGoals.length === 0 && r.patched.result.violation?.kind === 'sometimes').map(r => `${r.patched.result.violation!.property} on ${r.scenario}`);
  const fixed = d.rows.flatMap(r => r.fixed.map(p => `${p} on ${r.scenario}`));
  if (introduced.length > 0) lines.push(`✗ the patch introduces: ${introduced.join('; ')}`);
  if (kept.length > 0) lines.push(`✗ still violated with the patch: ${kept.join('; ')}`);
  if (lost.length > 0) lines.push(`✗ VACUOUS: the patch makes a path the base reaches unreachable: ${lost.join('; ')} (a pass there would prove nothing)`);
  if (vacuousBoth.length > 0) lines.push(`✗ goal never reached, with or without the patch: ${vacuousBoth.join('; ')}`);
  if (fixed.length > 0) lines.push(`✓ the patch fixes: ${fixed.join('; ')}`);
  if (d.clean) lines.push(`✓ ${d.patched.name} passes every scenario, and every sometimes goal is reached`);
  lines.push('', summaryBlock([
    { variant: d.base, source: sources.base, checks: d.rows.map(r => r.base) },
    { variant: d.patched, source: sources.patched, checks: d.rows.map(r => r.patched) },
  ]));
  return `${lines.join('\n')}\n`;
}

export interface SummaryRun {
  variant: Variant;
  /** The file the variant came from, if not a built-in. */
  source?: string | undefined;
  checks: readonly ScenarioCheck[];
}

/**
 * A short block to paste into a cover letter: tool version and kernel model,
 * the variants, each scenario's verdict, state count and COMPLETE/BOUNDED per
 * variant, and the total. Deterministic (no times).
 */
export function summaryBlock(runs: readonly SummaryRun[]): string {
  const all = runs.flatMap(r => r.checks);
  const scenarios = [...new Set(all.map(c => c.scenario.name))];
  const lines = [
    `Model-checked with uffd-mc ${VERSION} (userfaultfd model of Linux ${KERNEL_REF}, ${all[0]?.result.strategy ?? 'bfs'}):`,
    ...runs.map(r => `  variant ${variantLabel(r.variant, r.source)}: ${r.variant.description}`),
  ];
  const header = ['  scenario', ...runs.map(r => r.variant.name)];
  const rows = scenarios.map(name => [`  ${name}`, ...runs.map(r => {
    const c = r.checks.find(x => x.scenario.name === name);
    if (c === undefined) return '-';
    const v = c.result.violation;
    const what = v === null ? 'ok' : v.kind === 'sometimes' ? `vacuous (${v.property})` : `violates ${v.property}`;
    return `${what}, ${c.result.states} states, ${c.result.complete ? 'COMPLETE' : `BOUNDED(${c.result.bound})`}`;
  })]);
  lines.push(...table(header, rows).filter((_, i) => i !== 1));
  const states = all.reduce((n, c) => n + c.result.states, 0);
  const bounded = all.filter(c => !c.result.complete).length;
  lines.push(`  ${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'}, ${runs.length} variant${runs.length === 1 ? '' : 's'}, ${states} states explored; ${bounded === 0 ? 'every run COMPLETE' : `${bounded} run${bounded === 1 ? '' : 's'} BOUNDED`}`);
  return `${lines.join('\n')}\n`;
}

export interface CorpusRow {
  entry: CorpusEntry;
  /** null for an entry the model cannot express yet. */
  prefix: ScenarioCheck | null;
  fixed: ScenarioCheck | null;
  /** 'pass': the pre-fix variant violates the property and the fixed one passes; 'FAIL': not; 'not modelled': needs. */
  status: 'pass' | 'FAIL' | 'not modelled';
  /** Why it failed, or what it needs. */
  note: string;
}

/** Run one modelled entry both ways. Throws (a bug in the corpus data) if its variant or scenario does not exist. */
export function checkCorpusEntry(entry: CorpusEntry): CorpusRow {
  if (!isModelled(entry.check)) return { entry, prefix: null, fixed: null, status: 'not modelled', note: `not yet modelled: needs ${entry.check.needs}` };
  const m: ModelledEntry = entry.check;
  const sc = findScenario(m.scenario);
  const pre = findVariant(m.variant);
  const fix = findVariant(m.fixed ?? 'mainline');
  if (sc === undefined || pre === undefined || fix === undefined) {
    throw new Error(`corpus entry ${entry.id}: unknown ${sc === undefined ? `scenario ${m.scenario}` : pre === undefined ? `variant ${m.variant}` : `variant ${m.fixed}`}`);
  }
  const prefix = checkScenario(sc, pre);
  const fixed = checkScenario(sc, fix);
  const problems: string[] = [];
  const pv = prefix.result.violation;
  if (pv === null) problems.push(`${m.variant} finds no violation (expected ${m.property})`);
  else if (pv.property !== m.property) problems.push(`${m.variant} violates ${pv.property}, expected ${m.property}`);
  if (fixed.result.violation !== null) problems.push(`${m.fixed ?? 'mainline'} violates ${fixed.result.violation.property}`);
  else if (!fixed.result.complete) problems.push(`${m.fixed ?? 'mainline'} run is BOUNDED`);
  return { entry, prefix, fixed, status: problems.length === 0 ? 'pass' : 'FAIL', note: problems.join('; ') };
}

export function checkCorpus(entries: readonly CorpusEntry[] = knownBugs): CorpusRow[] {
  return entries.map(checkCorpusEntry);
}

/** The corpus table of `uffd-mc check --corpus`: one row per entry (title last); an unmodelled entry's needs on the line below it. */
export function formatCorpus(rows: readonly CorpusRow[]): string {
  const cells = rows.map(r => {
    const c = r.entry.check;
    if (!isModelled(c)) return [r.entry.id, r.entry.commit, r.entry.scope, '-', '-', '-', '-', '-', 'not yet modelled', r.entry.title];
    const pre = r.prefix!.result;
    const fix = r.fixed!.result;
    return [
      r.entry.id, r.entry.commit, r.entry.scope, c.variant, c.scenario, c.property,
      pre.violation === null ? 'no violation' : `violates (depth ${pre.violation.depth})`,
      fix.violation === null ? `ok (${fix.states} states)` : `violates ${fix.violation.property}`,
      r.status, r.entry.title,
    ];
  });
  const lines = table(['#', 'commit', 'scope', 'pre-fix variant', 'scenario', 'must violate', 'pre-fix', 'fixed (mainline)', 'result', 'title'], cells);
  const out = lines.slice(0, 2);
  rows.forEach((r, i) => {
    out.push(lines[i + 2]!);
    if (r.status !== 'pass') out.push(`    ${r.note}`);
  });
  const n = (s: CorpusRow['status']): number => rows.filter(r => r.status === s).length;
  out.push('', `corpus: ${n('pass')} pass, ${n('FAIL')} fail, ${n('not modelled')} not yet modelled (of ${rows.length} entries)`);
  return `${out.join('\n')}\n`;
}
