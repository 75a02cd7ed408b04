/**
 * report.html: one self-contained page (uPlot, its stylesheet and the run's
 * figures inlined; nothing fetched), so it opens from disk anywhere. Charts
 * of throughput, latency percentiles, errors, orders by state, and the
 * outbox backlog and consumer lag over time; the summary and the
 * reconciliation table beside them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Report } from './report.js';

const require = createRequire(import.meta.url);

function uplotFiles(): { js: string; css: string } {
  const dist = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  return { js: readFileSync(join(dist, 'uPlot.iife.min.js'), 'utf8'), css: readFileSync(join(dist, 'uPlot.min.css'), 'utf8') };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** JSON safe inside a <script> element. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

export function renderHtml(report: Report): string {
  const { js, css } = uplotFiles();
  const summary: [string, string][] = [
    ['verdict', report.ok ? 'every check passed' : 'RECONCILIATION FAILED'],
    ['target', `${report.settings.target} (${report.settings.mode})`],
    ['profile', `${report.settings.profile}: ${report.settings.durationS} s, peak ${report.settings.peak} req/s, ${report.settings.workers} load worker(s)`],
    ['requests', `${report.requests.toLocaleString('en-US')} (${report.skipped} skipped by the client)`],
    ['peak rate', `${report.peakRps} answers/s (best 3 s)`],
    ['sustained rate', `${report.sustainedRps} answers/s (the plateau)`],
    ['latency', `p50 ${report.p50Ms} ms, p99 ${report.p99Ms} ms (from when each request was due to its answer, waiting for one of the client's connections included)`],
    ['orders', `${report.orders.accepted.toLocaleString('en-US')} accepted: ${Object.entries(report.orders.byStatus).map(([k, n]) => `${k} ${n}`).join(', ')}`],
    [
      'drain',
      report.drainS === null
        ? `not drained within ${report.settings.drainTimeoutS} s: orders were still in their saga, so the checks that follow their events (stock, points) fail beside the first`
        : `${report.drainS} s after the load stopped`,
    ],
    ['answers by status', Object.entries(report.byStatus).map(([k, n]) => `${k}: ${n}`).join(', ')],
    ...Object.entries(report.byPhase).map(([phase, f]): [string, string] => [
      `phase: ${phase}`,
      `${f.seconds} s, ${f.answeredPerS}/s answered of ${f.targetPerS}/s offered, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, ${f.refused} refused for load, ${f.skipped} skipped by the client`,
    ]),
  ];
  const rows = report.reconciliation
    .map(
      (c) =>
        `<tr class="${c.ok ? 'pass' : 'fail'}"><td>${c.ok ? '✔' : '✘'}</td><td>${escapeHtml(c.check)}</td><td>${c.items.toLocaleString('en-US')}</td><td>${escapeHtml(c.compared)}</td><td>${
          c.failures.length ? `<ul>${c.failures.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>` : ''
        }</td></tr>`,
    )
    .join('\n');
  const sources = Object.entries(report.sources)
    .map(([k, v]) => `<li><b>${escapeHtml(k)}</b>: ${escapeHtml(v)}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Double 11 rehearsal: ${escapeHtml(report.startedAt)}</title>
<style>${css}</style>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1200px; }
  h1 { margin: 0 0 4px; } .sub { color: #666; margin-bottom: 16px; }
  .verdict { display: inline-block; padding: 4px 10px; border-radius: 4px; font-weight: 600; color: #fff; background: ${report.ok ? '#2e7d32' : '#c62828'}; }
  table { border-collapse: collapse; width: 100%; margin: 8px 0 24px; }
  th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid #e3e3e3; }
  tr.fail td { background: #fdecea; } tr.pass td:first-child { color: #2e7d32; } tr.fail td:first-child { color: #c62828; }
  .charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
  .chart h3 { margin: 8px 0 4px; font-size: 14px; }
  ul { margin: 0; padding-left: 18px; }
</style>
</head>
<body>
<h1>Double 11 midnight rehearsal</h1>
<div class="sub">${escapeHtml(report.startedAt)} to ${escapeHtml(report.finishedAt)} &middot; brand ${escapeHtml(report.settings.tenant)} &middot; <span class="verdict" id="verdict">${report.ok ? 'PASSED' : 'FAILED'}</span></div>
<table id="summary"><tbody>${summary.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>
<div class="charts">
  <div class="chart"><h3>Throughput (per second)</h3><div id="chart-throughput"></div></div>
  <div class="chart"><h3>Latency percentiles (ms)</h3><div id="chart-latency"></div></div>
  <div class="chart"><h3>Refusals and errors (per second)</h3><div id="chart-errors"></div></div>
  <div class="chart"><h3>Orders by state</h3><div id="chart-orders"></div></div>
  <div class="chart"><h3>Outbox backlog and consumer lag (events)</h3><div id="chart-events"></div></div>
  <div class="chart"><h3>CPU (% of one core; the machine is shared)</h3><div id="chart-cpu"></div></div>
</div>
<h2>Reconciliation</h2>
<table id="reconciliation"><thead><tr><th></th><th>check</th><th>items</th><th>compared</th><th>failures</th></tr></thead><tbody>
${rows}
</tbody></table>
<h3>Where the figures come from</h3>
<ul>${sources}</ul>
<script>${js}</script>
<script>
const report = ${scriptJson({ timeline: report.timeline, gauges: report.gauges, midnightS: report.settings.midnightS })};
const palette = ['#1565c0', '#2e7d32', '#c62828', '#ef6c00', '#6a1b9a', '#00838f', '#5d4037', '#ad1457', '#9e9d24'];
function chart(id, xs, series, yLabel) {
  const el = document.getElementById(id);
  const width = Math.max(320, el.parentElement.clientWidth || 560);
  const opts = {
    width, height: 240,
    scales: { x: { time: false } },
    axes: [{ label: 'seconds since the start' }, { label: yLabel }],
    series: [{ label: 's' }, ...series.map((s, i) => ({ label: s.label, stroke: palette[i % palette.length], width: 1.5, spanGaps: true }))],
  };
  el.plot = new uPlot(opts, [xs, ...series.map((s) => s.values)], el);
  el.dataset.drawn = String(series.length);
}
const t = report.timeline;
const xs = t.map((s) => s.second);
chart('chart-throughput', xs, [
  { label: 'target', values: t.map((s) => s.target) },
  { label: 'sent', values: t.map((s) => s.sent) },
  { label: 'answered', values: t.map((s) => s.answered) },
  { label: '2xx', values: t.map((s) => s.ok) },
], 'requests/s');
chart('chart-latency', xs, [
  { label: 'p50', values: t.map((s) => s.p50) },
  { label: 'p90', values: t.map((s) => s.p90) },
  { label: 'p99', values: t.map((s) => s.p99) },
], 'ms');
const kinds = [...new Set(t.flatMap((s) => Object.keys(s.errors)))].sort();
chart('chart-errors', xs, (kinds.length ? kinds : ['none']).map((k) => ({ label: k, values: t.map((s) => s.errors[k] || 0) })), 'answers/s');
const g = report.gauges;
const gx = g.map((s) => s.t);
const states = [...new Set(g.flatMap((s) => Object.keys(s.ordersByStatus)))].sort();
chart('chart-orders', gx, (states.length ? states : ['none']).map((k) => ({ label: k, values: g.map((s) => s.ordersByStatus[k] || 0) })), 'orders');
chart('chart-events', gx, [
  { label: 'outbox backlog', values: g.map((s) => Object.values(s.outbox).reduce((a, n) => a + n, 0)) },
  { label: 'consumer lag', values: g.map((s) => (s.lag ? Object.values(s.lag).reduce((a, n) => a + n, 0) : null)) },
], 'events');
chart('chart-cpu', gx, [
  { label: 'platform', values: g.map((s) => (s.cpu ? s.cpu.platformPct : null)) },
  { label: 'load generator', values: g.map((s) => (s.cpu ? s.cpu.loadGeneratorPct : null)) },
  { label: 'whole machine', values: g.map((s) => (s.cpu ? s.cpu.machinePct : null)) },
], '% of one core');
document.body.dataset.charts = String(document.querySelectorAll('.uplot').length);
</script>
</body>
</html>
`;
}
