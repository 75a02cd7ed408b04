/**
 * Memory of the platform's processes over the runs: RSS from
 * /proc/<pid>/status (VmRSS), heap from the process itself (SIGUSR2, see
 * bench/targets/protocol.ts answerMemoryRequests), sampled at each phase
 * boundary and every `everyMs` in between.
 */
import { memoryOf, rssMbOf, type Target } from './procs.js';

export interface ProcessMemory {
  rssMb: number | null;
  heapUsedMb: number | null;
  heapTotalMb: number | null;
}

export interface MemorySample {
  atS: number;
  label: string;
  /** Summed over the processes. */
  total: ProcessMemory;
  processes: Record<string, ProcessMemory>;
}

const sumOf = (xs: (number | null)[]) => (xs.some((x) => x === null) ? null : Math.round(xs.reduce<number>((a, x) => a + x!, 0) * 10) / 10);

export class MemoryTracker {
  readonly samples: MemorySample[] = [];
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(private readonly targets: () => Target[]) {}

  async sample(label: string): Promise<MemorySample> {
    const processes: Record<string, ProcessMemory> = {};
    await Promise.all(
      this.targets().map(async (t) => {
        const heap = await memoryOf(t);
        processes[t.name] = { rssMb: rssMbOf(t.proc.pid) ?? heap?.rssMb ?? null, heapUsedMb: heap?.heapUsedMb ?? null, heapTotalMb: heap?.heapTotalMb ?? null };
      }),
    );
    const all = Object.values(processes);
    const s: MemorySample = {
      atS: Math.round((Date.now() - this.startedAt) / 100) / 10,
      label,
      total: { rssMb: sumOf(all.map((p) => p.rssMb)), heapUsedMb: sumOf(all.map((p) => p.heapUsedMb)), heapTotalMb: sumOf(all.map((p) => p.heapTotalMb)) },
      processes,
    };
    this.samples.push(s);
    return s;
  }

  /** Samples every `everyMs` (labelled "periodic") until stop(). */
  start(everyMs: number): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      void this.sample('periodic').finally(() => (this.busy = false));
    }, everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The first, the middle and the last sample (by time), with the growth from start to end. */
  summary(): { start: MemorySample | null; middle: MemorySample | null; end: MemorySample | null; rssGrowthMb: number | null; heapUsedGrowthMb: number | null } {
    const s = [...this.samples].sort((a, b) => a.atS - b.atS);
    const start = s[0] ?? null;
    const end = s.at(-1) ?? null;
    const mid = start && end ? s.reduce((best, x) => (Math.abs(x.atS - (start.atS + end.atS) / 2) < Math.abs(best.atS - (start.atS + end.atS) / 2) ? x : best), start) : null;
    const diff = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null ? null : Math.round((b - a) * 10) / 10);
    return { start, middle: mid, end, rssGrowthMb: diff(start?.total.rssMb, end?.total.rssMb), heapUsedGrowthMb: diff(start?.total.heapUsedMb, end?.total.heapUsedMb) };
  }
}
