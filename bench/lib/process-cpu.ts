import { readdirSync, readFileSync } from 'node:fs';

/** Linux clock ticks per second for /proc/<pid>/stat times (USER_HZ; 100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  cpuMs: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command name, which may hold spaces: field 3 (state) first, then ppid (4), utime (14), stime (15).
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    return {
      pid,
      comm: text.slice(text.indexOf('(') + 1, close),
      ppid: Number(fields[1]),
      cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND,
    };
  } catch {
    return undefined;
  }
}

/**
 * CPU time (user + system, ms) used so far by the children of `parentPid` whose name starts with `namePrefix`, with
 * all their descendants still running; undefined without /proc.
 */
export function childrenCpuMs(parentPid: number, namePrefix: string): number | undefined {
  let stats: ProcStat[];
  try {
    stats = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .flatMap((name) => readStat(Number(name)) ?? []);
  } catch {
    return undefined;
  }
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const queue = (children.get(parentPid) ?? []).filter((stat) => stat.comm.startsWith(namePrefix));
  if (queue.length === 0) return undefined;
  let total = 0;
  while (queue.length > 0) {
    const stat = queue.pop()!;
    total += stat.cpuMs;
    queue.push(...(children.get(stat.pid) ?? []));
  }
  return total;
}
