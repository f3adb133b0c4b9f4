/**
 * What a server chatbench started cost the machine, read from Linux's /proc: CPU time
 * (utime + stime of /proc/PID/stat, in clock ticks) and peak resident memory (VmHWM of
 * /proc/PID/status). CPU is taken as a difference between two readings (the server ready, the
 * run over), so start-up work is not charged to the workload; the peak is the process's own
 * high-water mark, start-up included (Linux keeps no other).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface UsageReading {
  /** CPU seconds (user + system) the process has used since it started. */
  cpuSeconds: number;
  /** The largest resident set the process has had, in bytes. */
  peakRssBytes: number;
}

/** Clock ticks per second (USER_HZ): getconf's answer, else Linux's usual 100. */
let ticksPerSecond: number | undefined;
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      const text = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const value = Number(text.trim());
      ticksPerSecond = Number.isInteger(value) && value > 0 ? value : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * utime + stime in ticks from the text of /proc/PID/stat. The command name (field 2) is in
 * parentheses and may hold spaces and parentheses itself, so fields are counted from the last ")";
 * utime and stime are fields 14 and 15 (proc(5)).
 */
export function cpuTicksFromStat(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const after = stat.slice(close + 1).trim().split(/\s+/);
  // after[0] is field 3 (state): field N is after[N - 3].
  const utime = Number(after[14 - 3]);
  const stime = Number(after[15 - 3]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : undefined;
}

/** VmHWM in bytes from the text of /proc/PID/status ("VmHWM:	  12345 kB"). */
export function peakRssFromStatus(status: string): number | undefined {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** The process's usage now, or undefined when it is gone or /proc is not there (not Linux). */
export function readUsage(pid: number): UsageReading | undefined {
  try {
    const ticks = cpuTicksFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const peak = peakRssFromStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (ticks === undefined || peak === undefined) return undefined;
    return { cpuSeconds: ticks / clockTicks(), peakRssBytes: peak };
  } catch {
    return undefined;
  }
}
