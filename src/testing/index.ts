// `import { startEmulator } from 'activity-cdp/testing'`: the emulator in the test's own process,
// on an in-memory store and a free port, for node:test, Vitest or Jest (no globals, no test
// framework imported). Every call goes over HTTP to the emulator API, as an app's own code would.
import { loadEmulatorConfig } from '../config.js';
import type { ProfileName } from '../domain/profiles.js';
import { startEmulatorServer } from '../cli/emulator.js';

export interface StartEmulatorOptions {
  /** Response profile of the start instance (and of instances made by newInstance without one). */
  profile?: ProfileName;
  /** Fixed API keys, each its own instance (default: one generated key). */
  keys?: string[];
  /** A snapshot (as GET /_emulator/snapshot gives) loaded into the start instance. */
  seed?: unknown;
  /** Extra server settings, as environment variables (e.g. { ACTIVITY_DAILY_LIMIT: '5' }). */
  env?: Record<string, string>;
}

export interface InstanceOptions {
  profile?: ProfileName;
  merge_by?: string[];
  account_merge_by?: string[];
  merge_strategy?: 1 | 2 | 3;
  daily_limit?: number;
}

export interface RequestQuery {
  path?: string;
  limit?: number;
  since?: Date | string;
}

export interface FaultOptions {
  path?: string;
  status?: number;
  count?: number;
  delay_ms?: number;
  try_in_seconds?: number;
}

export interface JournaledRequest {
  request_id: string;
  method: string;
  path: string;
  received_at: string;
  status: number | null;
  request: any;
  response: any;
  outcomes: Array<{ index: number; outcome: string; error?: string; person_id?: string; account_id?: string; activity_id?: string }> | null;
  fault?: { status: number | null; delay_ms: number };
}

/** An emulator API call that did not answer 200. */
export class EmulatorError extends Error {
  constructor(readonly status: number, readonly body: unknown) {
    super(`emulator answered ${status}: ${JSON.stringify(body)}`);
    this.name = 'EmulatorError';
  }
}

export interface ClockControl {
  get(apiKey?: string): Promise<{ now: string; frozen: boolean }>;
  /** Freezes the instance's clock at `at`. */
  set(at: Date | string, apiKey?: string): Promise<{ now: string; frozen: boolean }>;
  advance(seconds: number, apiKey?: string): Promise<{ now: string; frozen: boolean }>;
  /** Back to real time. */
  reset(apiKey?: string): Promise<{ now: string; frozen: boolean }>;
}

export interface FaultControl {
  add(fault?: FaultOptions, apiKey?: string): Promise<unknown>;
  list(apiKey?: string): Promise<unknown[]>;
  clear(apiKey?: string): Promise<void>;
}

export interface RunningEmulator {
  /** Base URL: give it to the app as Ortto's base URL. */
  url: string;
  /** The start instance's key. Calls below act on it unless given another key. */
  apiKey: string;
  newInstance(options?: InstanceOptions): Promise<{ instanceId: string; apiKey: string }>;
  /** Empties the instance (or every instance with { all: true }); keys stay. */
  reset(options?: { apiKey?: string; all?: boolean }): Promise<void>;
  requests(query?: RequestQuery & { apiKey?: string }): Promise<JournaledRequest[]>;
  clearRequests(apiKey?: string): Promise<void>;
  /** Resolves once the instance's queued (async) work is applied. */
  drain(apiKey?: string): Promise<void>;
  snapshot(apiKey?: string): Promise<Record<string, unknown>>;
  loadSnapshot(snapshot: unknown, apiKey?: string): Promise<void>;
  clock: ClockControl;
  faults: FaultControl;
  close(): Promise<void>;
}

export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const { config, emulator: settings } = loadEmulatorConfig(
    { port: '0', host: '127.0.0.1', ...(options.profile ? { profile: options.profile } : {}), ...(options.keys ? { key: options.keys } : {}) },
    { LOG_LEVEL: 'silent', ...options.env },
  );
  const started = await startEmulatorServer(config, { ...settings, dataDir: undefined, seedFile: undefined }, false);
  const { url } = started;

  async function call<T>(method: string, path: string, apiKey: string | undefined, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (apiKey !== undefined) headers['x-api-key'] = apiKey;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (res.status !== 200) throw new EmulatorError(res.status, parsed);
    return parsed as T;
  }
  const key = (k?: string) => k ?? started.apiKey;
  type ClockView = { now: string; frozen: boolean };

  const handle: RunningEmulator = {
    url,
    apiKey: started.apiKey,
    async newInstance(o = {}) {
      const r = await call<{ instance_id: string; api_key: string }>('POST', '/_emulator/instances', undefined, o);
      return { instanceId: r.instance_id, apiKey: r.api_key };
    },
    async reset(o = {}) {
      if (o.all) await call('POST', '/_emulator/reset', undefined, { all: true });
      else await call('POST', '/_emulator/reset', key(o.apiKey));
    },
    async requests(q = {}) {
      const params = new URLSearchParams();
      if (q.path !== undefined) params.set('path', q.path);
      if (q.limit !== undefined) params.set('limit', String(q.limit));
      if (q.since !== undefined) params.set('since', q.since instanceof Date ? q.since.toISOString() : q.since);
      const qs = params.size > 0 ? `?${params}` : '';
      return (await call<{ requests: JournaledRequest[] }>('GET', `/_emulator/requests${qs}`, key(q.apiKey))).requests;
    },
    async clearRequests(apiKey) {
      await call('DELETE', '/_emulator/requests', key(apiKey));
    },
    async drain(apiKey) {
      await call('POST', '/_emulator/drain', key(apiKey));
    },
    snapshot: (apiKey) => call('GET', '/_emulator/snapshot', key(apiKey)),
    async loadSnapshot(snapshot, apiKey) {
      await call('PUT', '/_emulator/snapshot', key(apiKey), snapshot);
    },
    clock: {
      get: (apiKey) => call<ClockView>('GET', '/_emulator/clock', key(apiKey)),
      set: (at, apiKey) => call<ClockView>('PUT', '/_emulator/clock', key(apiKey), { now: at instanceof Date ? at.toISOString() : at }),
      advance: (seconds, apiKey) => call<ClockView>('PUT', '/_emulator/clock', key(apiKey), { advance_seconds: seconds }),
      reset: (apiKey) => call<ClockView>('DELETE', '/_emulator/clock', key(apiKey)),
    },
    faults: {
      add: async (fault = {}, apiKey) => (await call<{ fault: unknown }>('POST', '/_emulator/faults', key(apiKey), fault)).fault,
      list: async (apiKey) => (await call<{ faults: unknown[] }>('GET', '/_emulator/faults', key(apiKey))).faults,
      clear: async (apiKey) => {
        await call('DELETE', '/_emulator/faults', key(apiKey));
      },
    },
    close: () => started.server.close(),
  };
  if (options.seed !== undefined) await handle.loadSnapshot(options.seed);
  return handle;
}
