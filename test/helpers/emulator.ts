// The server with the emulator API on, over real HTTP, on this test file's own database (both
// stores), started through the same path as `serve` and `emulator` (startServer).
import { after, before } from 'node:test';
import { startServer, type RunningServer } from '../../src/cli/serve.js';
import { loadConfig } from '../../src/config.js';
import type { Db } from '../../src/store/db.js';
import { Client } from './app.js';
import { openTestDb } from './store.js';

export interface EmulatorApp {
  server: RunningServer;
  db: Db;
  baseUrl: string;
  /** A fresh instance made through POST /_emulator/instances; a client with its key. */
  newInstance(body?: Record<string, unknown>): Promise<Client & { instanceId: string }>;
  anonymous(): Client;
}

export function useEmulatorApp(env: Record<string, string> = {}): () => EmulatorApp {
  let state: EmulatorApp | undefined;
  before(async () => {
    const testDb = await openTestDb();
    const config = loadConfig({ LOG_LEVEL: 'silent', EMULATOR_API: 'true', PORT: '0', WORKER_POLL_MS: '50', ...env });
    const server = await startServer(config, { openStore: async () => ({ db: testDb.db, readDb: testDb.db, close: () => testDb.drop() }), logger: false });
    const baseUrl = server.address;
    state = {
      server, db: testDb.db, baseUrl,
      async newInstance(body = {}) {
        const res = await new Client(baseUrl, undefined).post('/_emulator/instances', body);
        if (res.status !== 200) throw new Error(`POST /_emulator/instances answered ${res.status}: ${res.text}`);
        return Object.assign(new Client(baseUrl, res.body.api_key), { instanceId: res.body.instance_id as string });
      },
      anonymous: () => new Client(baseUrl, undefined),
    };
  });
  after(async () => {
    await state?.server.close();
  });
  return () => {
    if (!state) throw new Error('emulator app not started');
    return state;
  };
}
