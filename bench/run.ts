/**
 * `npm run bench`: fixed questions, timed. Prints distinct states,
 * transitions, time, states/s and peak RSS, and writes bench-results.json.
 * Benchmarks, not tests: nothing here fails on time.
 * `npm run bench -- --quick` skips the complete wake-reference run.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { checkScenario, findVariant } from '../cli/api.js';
import { findScenario } from '../scenarios/builtin.js';

const quick = process.argv.includes('--quick');
const questions: [string, string][] = [
  ['refile-race', 'mainline'],
  ['refile-race', 'no-refile-seq'],
  ['two-faulters-one-page', 'mainline'],
  ['wake-reference', 'no-refile-seq'],
  ...(quick ? [] : [['wake-reference', 'mainline'] as [string, string]]),
];

const rows = [];
for (const [scenario, variant] of questions) {
  const t0 = performance.now();
  const c = checkScenario(findScenario(scenario)!, findVariant(variant)!);
  const ms = performance.now() - t0;
  const r = c.result;
  const row = {
    scenario, variant, verdict: r.verdict, complete: r.complete, states: r.states, transitions: r.transitions,
    maxDepth: r.maxDepth, violationDepth: r.violation?.depth ?? null, seconds: +(ms / 1000).toFixed(2),
    statesPerSecond: Math.round(r.states / (ms / 1000)), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  rows.push(row);
  console.log(`${scenario.padEnd(22)} ${variant.padEnd(14)} ${r.verdict.padEnd(9)} ${(r.complete ? 'COMPLETE' : `BOUNDED(${r.bound})`).padEnd(10)} states ${String(r.states).padStart(9)}  transitions ${String(r.transitions).padStart(10)}  ${row.seconds.toFixed(2).padStart(8)} s  ${String(row.statesPerSecond).padStart(7)} states/s  peak RSS ${row.peakRssMB} MB`);
}
writeFileSync('bench-results.json', `${JSON.stringify(rows, null, 2)}\n`);
