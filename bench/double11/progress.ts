/**
 * The live view in the terminal: a block of lines redrawn every second at a
 * terminal (one plain line per few seconds when the output is piped, as in
 * CI), from the last second of load and the last sample of the platform.
 */
import type { Gauge } from './probe.js';
import { quantile, type Second } from './stats.js';

export interface LiveState {
  t: number;
  durationS: number;
  phase: string;
  targetRps: number;
  last?: Second;
  /** The last few seconds, for p50/p99 over a short window. */
  recent: Second[];
  errorsByStatus: Record<string, number>;
  waiting: number;
  gauge?: Gauge;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const clock = (s: number) => `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

/** The lines of the live view: plain text, no colour, so a log of it reads the same. */
export function liveLines(st: LiveState): string[] {
  const latency = {} as Record<number, number>;
  for (const s of st.recent) for (const [b, n] of Object.entries(s.latency)) latency[Number(b)] = (latency[Number(b)] ?? 0) + n;
  const p50 = quantile(latency, 0.5);
  const p99 = quantile(latency, 0.99);
  const rate = st.last?.answered ?? 0;
  const errors = Object.entries(st.errorsByStatus)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}: ${fmt(n)}`)
    .join('  ');
  const lines = [
    `double11  ${clock(st.t)} elapsed, ${clock(Math.max(0, st.durationS - st.t))} left  [${st.phase}]`,
    `  rate     ${fmt(rate)}/s answered of ${fmt(st.targetRps)}/s target${st.last?.skipped ? `, ${fmt(st.last.skipped)} skipped (client busy)` : ''}   p50 ${p50 ?? '-'} ms  p99 ${p99 ?? '-'} ms   journeys waiting ${fmt(st.waiting)}`,
    `  errors   ${errors || 'none'}`,
  ];
  const g = st.gauge;
  if (g) {
    const orders = Object.entries(g.ordersByStatus)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k} ${fmt(n)}`)
      .join('  ');
    const outbox = Object.values(g.outbox).reduce((a, n) => a + n, 0);
    const lag = g.lag ? Object.values(g.lag).reduce((a, n) => a + n, 0) : undefined;
    const worst = g.lag ? Object.entries(g.lag).sort(([, a], [, b]) => b - a)[0] : undefined;
    lines.push(`  orders   ${orders || 'none yet'}`);
    lines.push(`  events   outbox backlog ${fmt(outbox)}   consumer lag ${lag === undefined ? 'n/a' : fmt(lag)}${worst && worst[1] > 0 ? ` (most: ${worst[0]} ${fmt(worst[1])})` : ''}`);
  }
  return lines;
}

export class LiveView {
  private drawn = 0;
  private lastPlain = 0;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly plainEveryS = 5,
  ) {}

  show(st: LiveState): void {
    const lines = liveLines(st);
    if (this.out.isTTY) {
      if (this.drawn) this.out.write(`\x1b[${this.drawn}A`);
      for (const l of lines) this.out.write(`\x1b[2K${l}\n`);
      this.drawn = lines.length;
    } else if (st.t - this.lastPlain >= this.plainEveryS) {
      this.lastPlain = st.t;
      this.out.write(`${lines.map((l) => l.trim()).join(' | ')}\n`);
    }
  }

  /** Leaves the last view on screen and starts printing below it. */
  done(): void {
    this.drawn = 0;
  }
}
