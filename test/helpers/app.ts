// The app over real HTTP on a random port, on this test file's own database. Each test makes its
// own instance (API key), so tests in one file never see each other's data.
import { after, before } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import type { Db } from '../../src/store/db.js';
import { addApiKey, createInstance, generateKey, type InstanceSettings, type KeySettings, DEFAULT_KEY_SETTINGS } from '../../src/store/instances.js';
import { openTestDb, type TestDb } from './store.js';
import { Worker } from '../../src/ingest/worker.js';
import { ActivityFeed } from '../../src/ingest/activity-feed.js';

export interface Response<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export class Client {
  constructor(readonly baseUrl: string, readonly apiKey: string | undefined) {}

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response<T>> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (this.apiKey !== undefined) (init.headers as Record<string, string>)['x-api-key'] = this.apiKey;
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.baseUrl + path, init);
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  post<T = any>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body);
  }
  put<T = any>(path: string, body?: unknown) {
    return this.request<T>('PUT', path, body);
  }
  delete<T = any>(path: string, body?: unknown) {
    return this.request<T>('DELETE', path, body);
  }
}

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  config: Config;
  baseUrl: string;
  testDb: TestDb;
  /** What the app and the test worker ingested, after each commit. */
  feed: ActivityFeed;
  /** A new instance with its own key; returns a client for it. */
  newInstance(settings?: InstanceSettings & Partial<KeySettings>): Promise<Client & { instanceId: string }>;
  anonymous(): Client;
  /** Applies everything queued (async requests, backdated activities) now; returns the rows applied. */
  drain(): Promise<number>;
}

/** Starts the app before the file's tests and stops it after. Use the returned getter inside tests. */
export function useTestApp(env: Record<string, string> = {}, logger?: unknown): () => TestApp {
  let state: TestApp | undefined;
  before(async () => {
    const testDb = await openTestDb();
    const config = loadConfig({ LOG_LEVEL: 'silent', ...env });
    const feed = new ActivityFeed();
    const app = await buildApp({ db: testDb.db, config, feed, logger: (logger ?? false) as boolean });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const worker = new Worker(testDb.db, { defaultLimits: config, pollMs: 50, concurrency: 1, feed });
    state = {
      app, db: testDb.db, config, baseUrl: address, testDb, feed,
      async newInstance(settings = {}) {
        const key = generateKey();
        const instanceId = await createInstance(testDb.db, 'test', settings);
        await addApiKey(testDb.db, instanceId, key, {
          personMergeBy: settings.personMergeBy ?? DEFAULT_KEY_SETTINGS.personMergeBy,
          accountMergeBy: settings.accountMergeBy ?? DEFAULT_KEY_SETTINGS.accountMergeBy,
          mergeStrategy: settings.mergeStrategy ?? DEFAULT_KEY_SETTINGS.mergeStrategy,
        });
        return Object.assign(new Client(address, key), { instanceId });
      },
      anonymous: () => new Client(address, undefined),
      drain: () => worker.drain(),
    };
  });
  after(async () => {
    if (!state) return;
    await state.app.close();
    await state.testDb.drop();
  });
  return () => {
    if (!state) throw new Error('test app not started');
    return state;
  };
}
