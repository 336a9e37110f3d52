// The embedded store thread's entry (pglite.ts starts it): its first reads start (pglite-preload.ts)
// before the thread loads PGlite and the rest of pglite-worker.ts.
import { workerData } from 'node:worker_threads';
import type { OpenRequest } from './pglite-protocol.js';
import { startPreload } from './pglite-preload.js';

startPreload(workerData as OpenRequest);
await import('./pglite-worker.js');
