/** The tables printed to stdout. */
import type { LoadFigures } from './load.js';

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Columns padded to their widest cell; `left` lists the columns aligned left (the rest align right). */
export function render(head: string[], body: string[][], left: number[] = [0]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (left.includes(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** One row per load run: req/s, latency, errors and CPU. */
export function loadTable(rows: [string, LoadFigures][]): string {
  const head = ['run', 'answers/s', '2xx/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'timeouts', 'server CPU', 'autocannon CPU', 'other CPU'];
  const pct = (n: number | null) => (n === null ? 'n/a' : `${fmt(n)} %`);
  const body = rows.map(([name, f]) => [
    name,
    fmt(f.requestsPerSec.mean, 1),
    fmt(f.ok2xxPerSec, 1),
    fmt(f.latencyMs.p50),
    fmt(f.latencyMs.p99),
    fmt(f.non2xx),
    fmt(f.errors),
    fmt(f.timeouts),
    pct(f.cpuPct.server),
    pct(f.cpuPct.loadGenerator),
    pct(f.cpuPct.other),
  ]);
  return [
    render(head, body),
    '(2xx latency in whole milliseconds as autocannon records it, fractional when summed over several instances; CPU: 100 % = one core busy; other = the rest of the machine, should be near 0)',
  ].join('\n');
}

export interface FigureRow {
  figure: string;
  value: string;
  /** The figure as a share of bare Fastify req/s in the same run (the baseline of every ratio), if it is a rate. */
  ofBare: number | null;
  target: string;
  /** Whether the target is met; null: no target, or not measured. */
  met: boolean | null;
}

/** Each figure beside its baseline (bare Fastify in the same run) and the target. */
export function figureTable(rows: FigureRow[]): string {
  const head = ['figure', 'measured', '% of bare', 'target', 'met'];
  const body = rows.map((r) => [r.figure, r.value, r.ofBare === null ? '' : `${(r.ofBare * 100).toFixed(2)} %`, r.target, r.met === null ? '' : r.met ? 'yes' : 'NO']);
  return render(head, body, [0, 3, 4]);
}
