/**
 * A counterexample as one self-contained HTML page: no server, no network
 * (inline CSS and script, no external reference). One column per thread,
 * time downward; each step shows its kernel function and label and what it
 * changed; the stuck threads close the table. The trace itself is embedded
 * (script type="application/json", id "uffd-mc-trace") so the page is also
 * the artifact to replay. The output depends only on the trace: no dates.
 *
 * The inline script checks that every step is shown (console.error if not)
 * and lets a click on a thread's name highlight its steps.
 */
import type { Trace } from './format.js';
import type { RenderedTrace } from './render.js';
import { alsoLines } from './render.js';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** JSON safe inside <script>: no "</script>", no "<!--", no U+2028/2029 surprises. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #111; background: #fff; }
h1 { font-size: 1.3em; margin: 0 0 .3em; }
.verdict { font-weight: bold; padding: .4em .6em; border-radius: 4px; }
.verdict.bad { background: #fde2e1; color: #8b0000; }
.verdict.good { background: #e3f6e3; color: #0b5d0b; }
.meta { color: #555; }
table.lanes { border-collapse: collapse; margin-top: 1em; }
table.lanes th, table.lanes td { border: 1px solid #ccc; padding: .25em .5em; vertical-align: top; text-align: left; }
table.lanes th.thread { cursor: pointer; background: #f2f2f2; position: sticky; top: 0; }
td.n { color: #777; text-align: right; }
td.cell .what { font-family: ui-monospace, monospace; font-weight: bold; white-space: nowrap; }
td.cell ul { margin: .2em 0 0; padding-left: 1.2em; font-family: ui-monospace, monospace; font-size: 12px; }
td.cell .wake { color: #0b5d0b; }
td.cell .op { color: #555; font-style: italic; }
tr.stuck td.cell { background: #fff4d6; font-family: ui-monospace, monospace; font-size: 12px; }
table.lanes.focus tr.step:not(.on) { opacity: .35; }
`;

const SCRIPT = `
(function () {
  var table = document.getElementById('lanes');
  var expected = Number(table.getAttribute('data-steps'));
  var shown = table.querySelectorAll('tr.step').length;
  if (shown !== expected) console.error('uffd-mc: the page shows ' + shown + ' steps of ' + expected);
  var heads = table.querySelectorAll('th.thread');
  for (var i = 0; i < heads.length; i++) {
    heads[i].addEventListener('click', function (ev) {
      var name = ev.currentTarget.getAttribute('data-thread');
      var on = table.getAttribute('data-focus') !== name;
      table.classList.toggle('focus', on);
      table.setAttribute('data-focus', on ? name : '');
      var rows = table.querySelectorAll('tr.step');
      for (var j = 0; j < rows.length; j++) rows[j].classList.toggle('on', on && rows[j].getAttribute('data-thread') === name);
    });
  }
  document.body.setAttribute('data-ready', String(shown));
})();
`;

export function formatHtml(t: RenderedTrace, trace?: Trace): string {
  const e = escapeHtml;
  const cols = [...t.threads];
  for (const r of t.steps) if (!cols.includes(r.thread)) cols.push(r.thread);
  const title = `${t.scenario.name} on ${t.variant}`;
  const verdict = t.violation !== null
    ? `<p class="verdict bad">✗ ${e(t.violation.property)} violated after step ${t.violation.step}: ${e(t.violation.message)}</p>`
    : t.diverged !== null
      ? `<p class="verdict bad">DIVERGED ${e(t.diverged)}</p>`
      : `<p class="verdict good">✓ no property violated along this schedule on ${e(t.variant)}</p>`;
  const lastOp = new Map<string, string | undefined>();
  const rows = t.steps.map(r => {
    const what = r.fn === 'user' ? r.op ?? 'user' : `${r.fn}():${r.label}`;
    const op = r.fn !== 'user' && r.op !== undefined && lastOp.get(r.thread) !== r.op ? `<div class="op">${e(r.op)}</div>` : '';
    lastOp.set(r.thread, r.op);
    const items = [
      ...r.changes.map(c => `<li>${e(c)}</li>`),
      ...(r.wakes ?? []).map(w => `<li class="wake">wakes ${e(w)}</li>`),
      ...alsoLines(r.also).map(l => `<li>${e(l)}</li>`),
    ];
    const cells = cols.map(c => (c === r.thread
      ? `<td class="cell">${op}<div class="what">${e(what)}</div>${items.length > 0 ? `<ul>${items.join('')}</ul>` : ''}</td>`
      : '<td></td>'));
    return `<tr class="step" data-step="${r.step}" data-thread="${e(r.thread)}"><td class="n">${r.step}</td>${cells.join('')}</tr>`;
  });
  const stuckCells = cols.map(c => {
    const s = t.stuck.find(x => x.thread === c);
    return s === undefined ? '<td></td>' : `<td class="cell">stuck in ${e(s.at)}: ${e(s.why)}</td>`;
  });
  const stuckList = t.stuck.length === 0 ? '<p>No thread is stuck at the end.</p>'
    : `<ul>${t.stuck.map(s => `<li><b>${e(s.thread)}</b> in <code>${e(s.at)}</code>: ${e(s.why)}</li>`).join('')}</ul>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(`uffd-mc: ${title}`)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${e(title)}</h1>
${verdict}
<p>${e(t.scenario.description)}</p>
<p class="meta">Recorded on variant ${e(t.recordedOn)}, replayed on ${e(t.variant)}; ${e(t.tool)}, userfaultfd model of Linux ${e(t.kernel)}. ${t.steps.length} steps. Click a thread's name to highlight its steps.</p>
<table class="lanes" id="lanes" data-steps="${t.steps.length}">
<thead><tr><th>#</th>${cols.map(c => `<th class="thread" data-thread="${e(c)}">${e(c)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
<tr class="stuck"><td class="n">end</td>${stuckCells.join('')}</tr>
</tbody>
</table>
<h2>Stuck threads</h2>
${stuckList}
${trace !== undefined ? `<p class="meta">The trace is embedded in this page (script id "uffd-mc-trace"): save it as a .json file and run <code>uffd-mc replay FILE</code>.</p>
<script type="application/json" id="uffd-mc-trace">${scriptJson(trace)}</script>` : ''}
<script>${SCRIPT}</script>
</body>
</html>
`;
}
