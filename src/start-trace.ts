// Start-up timeline for diagnosis (bench/start.ts --trace): with ACTIVITY_CDP_START_TRACE=1 each
// mark writes one line to stderr, "start-trace <thread> <ms since the process started> <label>",
// on the main thread and the embedded store's thread alike (process.uptime() is process-wide).
import { isMainThread } from 'node:worker_threads';

const on = process.env['ACTIVITY_CDP_START_TRACE'] === '1';

export function startMark(label: string): void {
  if (on) process.stderr.write(`start-trace ${isMainThread ? 'main' : 'store'} ${(process.uptime() * 1000).toFixed(1)} ${label}\n`);
}
