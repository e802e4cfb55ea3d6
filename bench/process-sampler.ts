/**
 * CPU seconds and memory of named processes, read from /proc: utime+stime of /proc/<pid>/stat
 * (clock ticks), VmRSS and VmHWM (peak RSS) of /proc/<pid>/status. A phase takes a snapshot before
 * and after and reports the difference; peak RSS can be reset per phase (clear_refs 5).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of a process (or of `<pid>/task/<tid>`, one thread), in seconds; undefined once it is gone. */
export function cpuSeconds(pid: number | string): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return undefined;
  }
}

/**
 * utime + stime of the threads of a process whose names start with one of `prefixes` (Linux keeps
 * the first 15 characters of a thread's name), in seconds. A thread that has ended is no longer
 * counted, so over a phase in which such a thread ended the difference is too low.
 */
export function threadCpuSeconds(pid: number, prefixes: readonly string[]): number | undefined {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let total = 0;
  for (const tid of tasks) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trimEnd();
      if (!prefixes.some((prefix) => name.startsWith(prefix))) continue;
      total += cpuSeconds(`${pid}/task/${tid}`) ?? 0;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}

export interface Memory {
  readonly rssKiB: number;
  readonly peakKiB: number;
}

export function memory(pid: number): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssKiB: kib('VmRSS'), peakKiB: kib('VmHWM') };
  } catch {
    return undefined;
  }
}

/** CPU seconds the whole machine was busy since boot (all cores: /proc/stat minus idle and iowait). */
export function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - fields[3]! - fields[4]!) / clockTicks();
}

/** Resets the process's peak RSS to its current RSS (Linux ≥ 4.0); false when not allowed. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface ProcessReading {
  readonly cpuS: number;
  readonly rssKiB: number;
  readonly peakKiB: number;
}

export type Snapshot = Readonly<Record<string, ProcessReading>>;

/** The snapshot entry holding the whole machine's busy CPU seconds. */
export const MACHINE = 'machine';

/** The processes a benchmark watches, by name (e.g. receiver, normalizer, writer, kafka). */
export class ProcessSet {
  readonly #pids = new Map<string, number>();
  readonly #threads = new Map<string, { pid: number; prefixes: readonly string[] }>();

  add(name: string, pid: number | undefined): void {
    if (pid !== undefined) this.#pids.set(name, pid);
  }

  /**
   * Some threads of a process, by name prefix, as an entry of their own (CPU only): e.g. a JVM's
   * JIT compiler threads, whose work the process's own figure includes.
   */
  addThreads(name: string, pid: number | undefined, prefixes: readonly string[]): void {
    if (pid !== undefined) this.#threads.set(name, { pid, prefixes });
  }

  remove(name: string): void {
    this.#pids.delete(name);
    this.#threads.delete(name);
  }

  names(): string[] {
    return [...this.#pids.keys()];
  }

  pid(name: string): number | undefined {
    return this.#pids.get(name);
  }

  snapshot(): Snapshot {
    const out: Record<string, ProcessReading> = {};
    for (const [name, pid] of this.#pids) {
      const cpu = cpuSeconds(pid);
      const mem = memory(pid);
      if (cpu !== undefined && mem !== undefined) out[name] = { cpuS: cpu, ...mem };
    }
    for (const [name, { pid, prefixes }] of this.#threads) {
      const cpu = threadCpuSeconds(pid, prefixes);
      if (cpu !== undefined) out[name] = { cpuS: cpu, rssKiB: 0, peakKiB: 0 };
    }
    // Not a process: the whole machine, so a phase can tell how much CPU went elsewhere.
    out[MACHINE] = { cpuS: machineBusySeconds(), rssKiB: 0, peakKiB: 0 };
    return out;
  }

  /** Resets the peak RSS of the named processes (all when omitted). */
  resetPeaks(names: readonly string[] = this.names()): boolean {
    let ok = true;
    for (const name of names) {
      const pid = this.#pids.get(name);
      if (pid !== undefined) ok = resetPeak(pid) && ok;
    }
    return ok;
  }
}

/** CPU seconds spent between two snapshots, and the peak RSS at the second one, per process. */
export function usageBetween(
  before: Snapshot,
  after: Snapshot,
): Record<string, { cpuS: number; peakKiB: number }> {
  const out: Record<string, { cpuS: number; peakKiB: number }> = {};
  for (const [name, end] of Object.entries(after)) {
    const start = before[name];
    if (start === undefined) continue;
    out[name] = { cpuS: end.cpuS - start.cpuS, peakKiB: end.peakKiB };
  }
  return out;
}
