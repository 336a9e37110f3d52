// A lock file naming a live but unrelated process (a PID reused after a crash) does not block the
// start (issue 12 item 11); one naming this program's live holder still does.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { DataDirLockedError, lockDataDir, lockFileOf, processStartTime } from '../src/store/data-dir-lock.js';

// Every folder a test made is removed when the file's tests end.
const made: string[] = [];
after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acdp-lock-'));
  made.push(dir);
  return dir;
}

async function withUnrelatedProcess(fn: (pid: number) => Promise<void> | void): Promise<void> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  try {
    await fn(child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
}

describe('stale lock files', () => {
  it('a lock naming a live unrelated process (another start time) is taken over', async () => {
    await withUnrelatedProcess((pid) => {
      const dir = tmpDir();
      const start = processStartTime(pid);
      assert.ok(start, 'this test needs /proc');
      fs.writeFileSync(lockFileOf(dir), JSON.stringify({
        pid, hostname: os.hostname(), purpose: 'serve', started_at: new Date(Date.now() - 3600_000).toISOString(), proc_start: String(Number(start) - 1000),
      }));
      const release = lockDataDir(dir, 'test');
      assert.equal(JSON.parse(fs.readFileSync(lockFileOf(dir), 'utf8')).pid, process.pid);
      release();
      assert.equal(fs.existsSync(lockFileOf(dir)), false);
    });
  });

  it('an old-format lock (no start time) naming a live process that is not this program is taken over', async () => {
    await withUnrelatedProcess((pid) => {
      const dir = tmpDir();
      fs.writeFileSync(lockFileOf(dir), JSON.stringify({ pid, hostname: os.hostname(), purpose: 'serve', started_at: new Date().toISOString() }));
      const release = lockDataDir(dir, 'test');
      release();
    });
  });

  it('a lock naming its live holder (same start time) still refuses, naming the holder', async () => {
    await withUnrelatedProcess((pid) => {
      const dir = tmpDir();
      fs.writeFileSync(lockFileOf(dir), JSON.stringify({
        pid, hostname: os.hostname(), purpose: 'serve', started_at: new Date().toISOString(), proc_start: processStartTime(pid),
      }));
      assert.throws(() => lockDataDir(dir, 'test'), (e: unknown) => e instanceof DataDirLockedError && e.message.includes(`process ${pid}`));
    });
  });

  it('a second lock in the same process family is refused while the first is held', () => {
    const dir = tmpDir();
    const release = lockDataDir(dir, 'first');
    try {
      const info = JSON.parse(fs.readFileSync(lockFileOf(dir), 'utf8'));
      assert.equal(info.proc_start, processStartTime(process.pid));
    } finally {
      release();
    }
  });
});
