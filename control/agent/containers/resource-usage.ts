// CPU and memory of container process groups, read from /proc (Linux; elsewhere
// every figure is 0). One pass over /proc serves any number of groups, so a
// dashboard can ask for every pod at once.

import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export interface GroupUsage {
  /** Live (non-zombie) processes in the group, the watchdog shell included. */
  processes: number;
  /** User + system CPU time of the live members. */
  cpuSeconds: number;
  /** Resident memory of the live members (shared pages counted in each). */
  memoryBytes: number;
}

let units: { ticksPerSecond: number; pageBytes: number } | undefined;

function systemUnits(): { ticksPerSecond: number; pageBytes: number } {
  if (units) return units;
  const read = (name: string, fallback: number): number => {
    try {
      const n = Number(execFileSync('getconf', [name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      return Number.isFinite(n) && n > 0 ? n : fallback;
    } catch {
      return fallback;
    }
  };
  units = { ticksPerSecond: read('CLK_TCK', 100), pageBytes: read('PAGESIZE', 4096) };
  return units;
}

export function groupUsage(pgids: number[]): Map<number, GroupUsage> {
  const out = new Map<number, GroupUsage>(pgids.map((g) => [g, { processes: 0, cpuSeconds: 0, memoryBytes: 0 }]));
  if (pgids.length === 0) return out;
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  const { ticksPerSecond, pageBytes } = systemUnits();
  for (const name of names) {
    if (name.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command name: state ppid pgrp … utime(11) stime(12) … rss(21).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const usage = out.get(Number(fields[2]));
    if (!usage || fields[0] === 'Z' || fields[0] === 'X') continue;
    usage.processes++;
    usage.cpuSeconds += (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
    usage.memoryBytes += Number(fields[21]) * pageBytes;
  }
  return out;
}
