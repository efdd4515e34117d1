// Process inspection for tests that must prove nothing is left running.

import { readFileSync, readdirSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
  cmdline: string;
}

export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may contain spaces: parse after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      out.push({ pid: Number(entry), state: fields[0]!, ppid: Number(fields[1]), pgid: Number(fields[2]), cmdline });
    } catch {
      // the process exited while we looked
    }
  }
  return out;
}

/** Live (non-zombie) processes that descend from `root` or belong to one of `pgids`. */
export function processTree(root: number, pgids: readonly number[] = []): ProcInfo[] {
  const all = listProcesses().filter((p) => p.state !== 'Z');
  const found = new Map<number, ProcInfo>();
  const add = (p: ProcInfo) => found.set(p.pid, p);
  for (const p of all) if (p.pid === root || pgids.includes(p.pgid)) add(p);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) {
      if (!found.has(p.pid) && found.has(p.ppid)) {
        add(p);
        grew = true;
      }
    }
  }
  return [...found.values()];
}

export function alive(pids: readonly number[]): number[] {
  const live = new Set(listProcesses().filter((p) => p.state !== 'Z').map((p) => p.pid));
  return pids.filter((pid) => live.has(pid));
}

/** Live processes whose environment has `name=value` (e.g. every process of one MESHLET_HOME). */
export function processesWithEnv(name: string, value: string): ProcInfo[] {
  const wanted = `${name}=${value}`;
  return listProcesses().filter((p) => {
    if (p.state === 'Z') return false;
    try {
      return readFileSync(`/proc/${p.pid}/environ`, 'utf8').split('\0').includes(wanted);
    } catch {
      return false;
    }
  });
}
