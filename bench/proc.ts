// CPU and memory of processes, read from /proc while a level runs: the server, the load generator,
// the PostgreSQL backends serving the bench database, and the whole machine (to show how much
// of the 2 cores other work took during the level: the machine is shared).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process in seconds, or undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces; the fields after it are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** utime and stime of a process in seconds, apart, or undefined when it is gone. */
export function cpuSplit(pid: number): { user: number; system: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / CLK_TCK, system: Number(fields[12]) / CLK_TCK };
  } catch {
    return undefined;
  }
}

/** Resident set size in MB, or undefined when the process is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of the whole machine (all cores). */
function machineTicks(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export const CORES = (() => {
  try {
    return fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length || 1;
  } catch {
    return 1;
  }
})();

export interface ProcUsage {
  /** Average CPU over the window in % of one core (200 = both cores of this machine). */
  serverCpuPct: number;
  serverRssMbMax: number;
  serverRssMbEnd: number;
  pgCpuPct: number;
  loadgenCpuPct: number;
  /** The whole machine, % of one core (max 100 × cores). */
  machineCpuPct: number;
  /** Machine CPU not accounted to server, PostgreSQL backends or load generator: other work. */
  otherCpuPct: number;
}

/**
 * Samples the processes every `intervalMs` between start() and stop(). `pgPids` is called on each
 * sample (backends come and go with the pool); a backend's CPU counts from when it is first seen.
 */
export class ProcSampler {
  private timer: NodeJS.Timeout | undefined;
  private t0 = 0;
  private server0 = 0;
  private loadgen0 = 0;
  private machine0 = { busy: 0, total: 0 };
  private pg = new Map<number, { first: number; last: number }>();
  private rssMax = 0;
  private pgRefreshing = false;

  constructor(
    private readonly serverPid: number,
    private readonly loadgenPid: () => number | undefined,
    private readonly pgPids: () => Promise<number[]>,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.t0 = performance.now();
    this.server0 = cpuSeconds(this.serverPid) ?? 0;
    const lg = this.loadgenPid();
    this.loadgen0 = lg ? (cpuSeconds(lg) ?? 0) : 0;
    this.machine0 = machineTicks();
    this.rssMax = rssMb(this.serverPid) ?? 0;
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    void this.sample();
  }

  private async sample(): Promise<void> {
    this.rssMax = Math.max(this.rssMax, rssMb(this.serverPid) ?? 0);
    for (const [pid, v] of this.pg) {
      const c = cpuSeconds(pid);
      if (c !== undefined) v.last = c;
    }
    if (this.pgRefreshing) return;
    this.pgRefreshing = true;
    try {
      for (const pid of await this.pgPids()) {
        if (!this.pg.has(pid)) {
          const c = cpuSeconds(pid);
          if (c !== undefined) this.pg.set(pid, { first: c, last: c });
        }
      }
    } catch {
      // the admin connection may be busy or gone at the end; the next sample tries again
    } finally {
      this.pgRefreshing = false;
    }
  }

  /** Call with the load generator's own measured CPU seconds when it reports it (more exact). */
  async stop(loadgenCpuSeconds?: number): Promise<ProcUsage> {
    if (this.timer) clearInterval(this.timer);
    await this.sample();
    const seconds = (performance.now() - this.t0) / 1000;
    const m = machineTicks();
    const server = (cpuSeconds(this.serverPid) ?? this.server0) - this.server0;
    let pg = 0;
    for (const v of this.pg.values()) pg += v.last - v.first;
    const lg = this.loadgenPid();
    const loadgen = loadgenCpuSeconds ?? (lg ? (cpuSeconds(lg) ?? this.loadgen0) - this.loadgen0 : 0);
    const machineShare = m.total > this.machine0.total ? (m.busy - this.machine0.busy) / (m.total - this.machine0.total) : 0;
    const pct = (s: number) => Math.round((100 * s) / seconds);
    const machineCpuPct = Math.round(machineShare * 100 * CORES);
    return {
      serverCpuPct: pct(server),
      serverRssMbMax: Math.round(this.rssMax),
      serverRssMbEnd: Math.round(rssMb(this.serverPid) ?? 0),
      pgCpuPct: pct(pg),
      loadgenCpuPct: pct(loadgen),
      machineCpuPct,
      otherCpuPct: Math.max(0, machineCpuPct - pct(server) - pct(pg) - pct(loadgen)),
    };
  }
}
