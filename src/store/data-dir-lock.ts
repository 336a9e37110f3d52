// PGlite has no locking of its own: two processes on one data folder silently corrupt it. This
// lock file makes the second process stop with a clear message instead. A lock left by a process
// that died (kill -9, power loss) names a PID that no longer runs and is taken over; so is one whose
// PID now belongs to another process (PIDs are reused after a crash or a reboot): the lock keeps
// the holder's start time (/proc/<pid>/stat), and a live PID with another start time is not it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export class DataDirLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirLockedError';
  }
}

interface LockInfo {
  pid: number;
  hostname: string;
  purpose: string;
  started_at: string;
  /** The holder's start time in clock ticks since boot (Linux), to tell it from a reused PID. */
  proc_start?: string;
}

/** A process's start time from /proc (field 22 of stat), or undefined where there is no /proc. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

/** The lock's holder still runs: its PID is alive and, where it can be told, is the same process. */
function holderRuns(holder: LockInfo): boolean {
  if (!isAlive(holder.pid)) return false;
  if (holder.proc_start === undefined) {
    // A lock written without a start time: the PID counts only if it runs this program.
    const cmdline = readCmdline(holder.pid);
    return cmdline === undefined || /activity-cdp|cli[/\\]main\.js/.test(cmdline);
  }
  const now = processStartTime(holder.pid);
  return now === undefined || now === holder.proc_start;
}

function readCmdline(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

export function lockFileOf(dataDir: string): string {
  return path.join(dataDir, 'activity-cdp.lock');
}

/** Takes the folder for this process, or throws DataDirLockedError naming the holder. Returns the release. */
export function lockDataDir(dataDir: string, purpose: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = lockFileOf(dataDir);
  const procStart = processStartTime(process.pid);
  const info: LockInfo = {
    pid: process.pid, hostname: os.hostname(), purpose, started_at: new Date().toISOString(), ...(procStart ? { proc_start: procStart } : {}),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(info), { flag: 'wx' });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const current = readLock(file);
        if (current?.pid === process.pid) fs.rmSync(file, { force: true });
      };
      process.once('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(file);
      const sameHost = holder?.hostname === os.hostname();
      if (holder && (!sameHost || holderRuns(holder)) && holder.pid !== process.pid) {
        throw new DataDirLockedError(
          `the data folder ${dataDir} is in use by process ${holder.pid} (${holder.purpose}, on ${holder.hostname}, since ${holder.started_at}). ` +
            'The embedded store can be opened by one process at a time: stop that process first, ' +
            'or use PostgreSQL (DATABASE_URL) to run several processes over one database.',
        );
      }
      // Stale lock (its process is gone, or its PID is another process now) or unreadable: take it over.
      fs.rmSync(file, { force: true });
    }
  }
  throw new DataDirLockedError(`could not take the lock on the data folder ${dataDir}`);
}
