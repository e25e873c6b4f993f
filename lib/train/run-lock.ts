import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The lock file of a run folder, held while a process trains in it. */
export const RUN_LOCK_FILE = 'run.lock';

/** What a lock file holds: who trains in the folder. */
export interface RunLockOwner {
  pid: number;
  hostname: string;
  /** When the lock was taken (ISO 8601). */
  since: string;
  /** Tells this holder's lock from a later one of the same pid. */
  token: string;
}

/** A held run lock; `release()` removes its file (once, and only while it is still this holder's). */
export interface RunLock {
  file: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Creates `dir` and its missing parents, one level at a time: Node's recursive mkdir never returns for a folder
 * that cannot be created in a virtual file system (/proc).
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let at = dir; !fs.existsSync(at) && path.dirname(at) !== at; at = path.dirname(at)) missing.unshift(at);
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

function readOwner(file: string): RunLockOwner | null {
  try {
    const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as RunLockOwner;
    return typeof owner.pid === 'number' && typeof owner.hostname === 'string' ? owner : null;
  } catch {
    return null;
  }
}

/**
 * Whether the holder of a lock has gone: a process of this machine that no longer exists. A lock of another machine
 * (a run folder on a shared disk) is never taken as stale, since its process cannot be checked from here.
 */
function isStale(owner: RunLockOwner): boolean {
  return owner.hostname === os.hostname() && !alive(owner.pid);
}

/**
 * Takes the lock of a run folder (created if absent) for this process: a file `run.lock` created exclusively,
 * holding the pid and host name. Two trainings of one folder (two `resume`s, a `reproduce` and a `resume`) would
 * interleave their metrics and checkpoints; the second one fails with the holder's pid and host. A lock left by
 * a killed process (same host, pid no longer running) is taken over. A torn or unreadable lock file is not: it
 * may be one being written, so the message says to delete it.
 */
export function lockRunFolder(runDir: string, who: string): RunLock {
  const dir = path.resolve(runDir);
  const file = path.join(dir, RUN_LOCK_FILE);
  const me: RunLockOwner = { pid: process.pid, hostname: os.hostname(), since: new Date().toISOString(), token: `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}` };
  makeDirs(dir);
  for (let attempt = 0; attempt < 3; attempt++) {
    // Written whole under a private name, then linked to the lock's name: the link fails if the lock exists, and
    // nobody ever reads a half-written lock.
    const mine = `${file}.tmp-${me.token}`;
    try {
      fs.writeFileSync(mine, `${JSON.stringify(me)}\n`);
      try {
        fs.linkSync(mine, file);
      } finally {
        fs.rmSync(mine, { force: true });
      }
      let released = false;
      return {
        file,
        release: () => {
          if (released) return;
          released = true;
          if (readOwner(file)?.token === me.token) fs.rmSync(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`${who}: cannot create the run lock ${file}: ${(e as Error).message}`);
    }
    const owner = readOwner(file);
    if (owner === null) {
      throw new Error(`${who}: ${file} exists but is unreadable; if no run trains in ${dir}, delete it and try again`);
    }
    if (!isStale(owner)) {
      const where = owner.hostname === os.hostname() ? `process ${owner.pid}` : `process ${owner.pid} on ${owner.hostname}`;
      throw new Error(
        `${who}: ${dir} is in use by ${where} since ${owner.since} (${file}); wait for it to end or stop it` +
          (owner.hostname === os.hostname() ? '' : `; if it no longer runs, delete ${file}`),
      );
    }
    // Take the stale lock over: move it aside (atomic, so only one of two processes doing this gets it) and
    // check that it is still the stale one before dropping it.
    const aside = `${file}.stale-${me.token}`;
    try {
      fs.renameSync(file, aside);
    } catch {
      continue;
    }
    const moved = readOwner(aside);
    if (moved?.token !== owner.token) {
      // A live lock taken between the read and the move: put it back.
      try {
        fs.linkSync(aside, file);
      } finally {
        fs.rmSync(aside, { force: true });
      }
      continue;
    }
    fs.rmSync(aside, { force: true });
  }
  throw new Error(`${who}: could not take the run lock ${file}; another process keeps taking it`);
}

/** The holder of a run folder's lock when one is alive, else null (no lock, or a stale one). */
export function runLockHolder(runDir: string): RunLockOwner | null {
  const file = path.join(path.resolve(runDir), RUN_LOCK_FILE);
  if (!fs.existsSync(file)) return null;
  const owner = readOwner(file);
  if (owner === null) return { pid: -1, hostname: 'unknown', since: 'unknown', token: '' };
  return isStale(owner) ? null : owner;
}
