import { readdirSync, readFileSync } from 'node:fs';

/** Linux clock ticks per second for /proc/<pid>/stat times (USER_HZ; 100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  comm: string;
  pgid: number;
  cpuMs: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // fields[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
    const pgid = Number(fields[2]);
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { pid, comm, pgid, cpuMs: (ticks * 1000) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

function pids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

/** CPU time (user + system, ms) used so far by the group's workerd processes, and by the whole group. */
export function groupCpuMs(pgid: number | undefined): { workerd: number; total: number } | undefined {
  if (pgid === undefined) return undefined;
  let workerd = 0;
  let total = 0;
  for (const pid of pids()) {
    const stat = readStat(pid);
    if (!stat || stat.pgid !== pgid) continue;
    total += stat.cpuMs;
    if (stat.comm.startsWith('workerd')) workerd += stat.cpuMs;
  }
  return { workerd, total };
}

/** Resident memory (KiB, VmRSS) of the group's workerd processes now. */
export function groupWorkerdRssKb(pgid: number | undefined): number | undefined {
  if (pgid === undefined) return undefined;
  let kb = 0;
  let found = false;
  for (const pid of pids()) {
    const stat = readStat(pid);
    if (!stat || stat.pgid !== pgid || !stat.comm.startsWith('workerd')) continue;
    try {
      const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) {
        kb += Number(match[1]);
        found = true;
      }
    } catch {
      // gone meanwhile
    }
  }
  return found ? kb : undefined;
}
