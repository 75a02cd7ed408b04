/** What the machine was doing and running, recorded beside the figures. */
import { readFileSync, statfsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, cpus, freemem, loadavg, platform as osPlatform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './procs.js';

const require = createRequire(import.meta.url);

const FS_TYPES: Record<number, string> = {
  0xef53: 'ext2/3/4',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x9123683e: 'btrfs',
  0x58465342: 'xfs',
  0x2fc12fc1: 'zfs',
  0x6969: 'nfs',
  0x65735546: 'fuse',
  0x1021997: 'v9fs',
};

export function fileSystemOf(dir: string): string {
  try {
    const type = statfsSync(dir).type;
    return FS_TYPES[type] ?? `0x${type.toString(16)}`;
  } catch {
    return 'unknown';
  }
}

/** Share of all CPUs busy over `ms`, before anything of ours runs: other work on the machine skews every figure. */
export async function cpuBusyPct(ms = 1000): Promise<number> {
  const sum = () => cpus().reduce((a, c) => ({ idle: a.idle + c.times.idle, total: a.total + c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle }), { idle: 0, total: 0 });
  const before = sum();
  await new Promise((r) => setTimeout(r, ms));
  const after = sum();
  const total = after.total - before.total;
  return total > 0 ? Math.round((1 - (after.idle - before.idle) / total) * 1000) / 10 : 0;
}

export function versionOf(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    // A package whose exports do not list its package.json.
    try {
      return (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  }
}

export const load3 = () => loadavg().map((n) => Math.round(n * 100) / 100);

export function machineInfo(busyBefore: number, loadBefore: number[]) {
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model ?? 'unknown',
    os: `${osPlatform()} ${release()} ${arch()}`,
    memoryMb: Math.round(totalmem() / 2 ** 20),
    freeMemoryMbAtEnd: Math.round(freemem() / 2 ** 20),
    cpuBusyPctBeforeStart: busyBefore,
    loadAverageAtStart: loadBefore,
    loadAverageAtEnd: load3(),
  };
}
