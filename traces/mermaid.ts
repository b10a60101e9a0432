/**
 * A counterexample as a Mermaid sequence diagram (paste into GitHub/GitLab
 * markdown inside ```mermaid): one participant per thread, each step a note
 * over its thread (function:label and what changed), a wake-up an arrow from
 * the waker to the woken thread, the stuck threads at the end.
 */
import type { RenderedTrace } from './render.js';

/** Mermaid text: its entity codes for the characters that end or break a message. */
function esc(text: string): string {
  return text
    .replace(/->/g, '→').replace(/#/g, '#35;').replace(/;/g, '#59;').replace(/</g, '#lt;').replace(/>/g, '#gt;')
    .replace(/[\r\n]+/g, ' ');
}

/** Participant ids: letters, digits and _ only; the thread's name is the alias shown. */
function ids(names: readonly string[]): Map<string, string> {
  return new Map(names.map((n, i) => [n, `T${i}_${n.replace(/[^A-Za-z0-9_]/g, '_')}`]));
}

export function formatMermaid(t: RenderedTrace): string {
  const names = [...t.threads];
  for (const r of t.steps) if (!names.includes(r.thread)) names.push(r.thread);
  const id = ids(names);
  const out = ['sequenceDiagram'];
  out.push(`  title ${esc(`${t.scenario.name} on ${t.variant}${t.violation !== null ? `: ${t.violation.property} violated` : ''}`)}`);
  for (const n of names) out.push(`  participant ${id.get(n)} as ${esc(n)}`);
  for (const r of t.steps) {
    const what = r.fn === 'user' ? r.op ?? 'user' : `${r.fn}():${r.label}`;
    const changes = r.changes.filter(c => !c.startsWith('('));
    out.push(`  Note over ${id.get(r.thread)}: ${esc(`${r.step}. ${what}`)}${changes.length > 0 ? `<br/>${changes.map(esc).join('<br/>')}` : ''}`);
    for (const w of r.wakes ?? []) out.push(`  ${id.get(r.thread)}->>${id.get(w)}: ${esc(`wakes ${w}`)}`);
  }
  for (const s of t.stuck) out.push(`  Note over ${id.get(s.thread)}: ${esc(`stuck in ${s.at}: ${s.why}`)}`);
  const all = names.length === 1 ? id.get(names[0]!)! : `${id.get(names[0]!)},${id.get(names.at(-1)!)}`;
  if (t.violation !== null) out.push(`  Note over ${all}: ${esc(`✗ ${t.violation.property}: ${t.violation.message}`)}`);
  if (t.diverged !== null) out.push(`  Note over ${all}: ${esc(`DIVERGED ${t.diverged}`)}`);
  return `${out.join('\n')}\n`;
}
