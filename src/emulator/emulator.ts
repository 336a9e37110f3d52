// The emulator's state and use cases: per-instance clocks, the request journal, injected faults,
// fresh instances, reset, drain and snapshots. HTTP (routes/emulator) only maps these to the wire.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InstanceClocks } from '../domain/clock.js';
import type { ProfileName } from '../domain/profiles.js';
import type { MergeStrategy } from '../domain/merge.js';
import type { ActivityFeed } from '../ingest/activity-feed.js';
import type { Worker } from '../ingest/worker.js';
import type { Db } from '../store/db.js';
import { sendErrorStatus, sendRateLimited } from '../http/plugins/errors.js';
import {
  emptyInstanceData, exportInstanceData, importInstanceData, type InstanceSnapshot, type SnapshotSection,
} from '../store/instance-data.js';
import { addApiKey, createInstance, DEFAULT_KEY_SETTINGS, generateKey, keyExists } from '../store/instances.js';
import { queueDepth } from '../store/queue.js';
import { FaultPlan } from './faults.js';
import { RequestJournal, type JournalEntry } from './journal.js';

/** Request bodies above this size are journaled as a note of their size, not kept whole. */
const JOURNAL_MAX_BODY_BYTES = 256 * 1024;

export interface NewInstance {
  profile?: ProfileName | undefined;
  merge_by?: string[] | undefined;
  account_merge_by?: string[] | undefined;
  merge_strategy?: number | undefined;
  daily_limit?: number | undefined;
  /** A fixed key (the emulator command's --key); a generated one otherwise. */
  api_key?: string | undefined;
}

export interface EmulatorOptions {
  db: Db;
  feed: ActivityFeed;
  journalMaxRequests: number;
  drainTimeoutMs: number;
  /** The profile of instances created without one. */
  defaultProfile?: ProfileName;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function parsePayload(payload: unknown): unknown {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return null;
  const text = payload.toString();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class Emulator {
  readonly clocks = new InstanceClocks();
  readonly journal: RequestJournal;
  readonly faults = new FaultPlan();
  private worker: Worker | undefined;
  private readonly db: Db;

  constructor(private readonly options: EmulatorOptions) {
    this.db = options.db;
    this.journal = new RequestJournal(options.journalMaxRequests);
    options.feed.on((batch) => this.journal.record(batch));
  }

  /** The in-process worker that drain() pushes. */
  attachWorker(worker: Worker | undefined): void {
    this.worker = worker;
  }

  /**
   * Hooks on the Ortto API (/v1, after authentication): journal every request, and answer with an
   * injected fault before the handler runs, so a faulted request changes nothing.
   */
  registerV1Hooks(v1: FastifyInstance): void {
    v1.addHook('onRequest', async (request: FastifyRequest) => {
      const auth = request.auth;
      if (!auth) return;
      this.journal.start(auth.instanceId, {
        request_id: request.id, method: request.method, path: request.url.split('?')[0] ?? request.url,
        received_at: this.clocks.now(auth.instanceId).toISOString(), status: null, request: null, response: null, outcomes: null,
      });
    });
    // After the body is parsed (so the journal has it), before validation and the handler.
    v1.addHook('preValidation', async (request: FastifyRequest, reply: FastifyReply) => {
      const auth = request.auth;
      if (!auth) return;
      const entry = this.journal.get(request.id);
      const fault = this.faults.take(auth.instanceId, request.url.split('?')[0] ?? request.url);
      if (!fault) return;
      if (entry) entry.fault = { status: fault.status, delay_ms: fault.delay_ms };
      if (fault.delay_ms > 0) await sleep(fault.delay_ms);
      if (fault.status === null) return;
      if (fault.status === 429) {
        return sendRateLimited(reply, fault.try_in_seconds, 'rate limit');
      }
      return sendErrorStatus(reply, fault.status, `injected fault: the emulator answered ${fault.status} (POST /_emulator/faults)`);
    });
    v1.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const entry = this.journal.get(request.id);
      if (entry) {
        entry.status = reply.statusCode;
        const bytes = Number(request.headers['content-length'] ?? 0);
        entry.request = bytes > JOURNAL_MAX_BODY_BYTES ? { journal_note: `body of ${bytes} bytes not kept` } : (request.body ?? null);
        entry.response = parsePayload(payload);
      }
      return payload;
    });
  }

  async createInstance(input: NewInstance): Promise<{ instance_id: string; api_key: string }> {
    const key = input.api_key ?? generateKey();
    const instanceId = await this.db.transaction(async (tx) => {
      // The profile goes in with the instance's row (on a new store's cold backend, each statement more was milliseconds of the start).
      const id = await createInstance(tx, 'emulator', { activityDailyLimit: input.daily_limit ?? null, profile: input.profile ?? this.options.defaultProfile ?? null });
      await addApiKey(tx, id, key, {
        personMergeBy: input.merge_by ?? DEFAULT_KEY_SETTINGS.personMergeBy,
        accountMergeBy: input.account_merge_by ?? DEFAULT_KEY_SETTINGS.accountMergeBy,
        mergeStrategy: (input.merge_strategy as MergeStrategy | undefined) ?? DEFAULT_KEY_SETTINGS.mergeStrategy,
      });
      return id;
    });
    return { instance_id: instanceId, api_key: key };
  }

  keyExists(key: string): Promise<boolean> {
    return keyExists(this.db, key);
  }

  /** Empties one instance (data, queue, dead letters, journal, clock, faults); its keys stay. */
  async reset(instanceId: string): Promise<void> {
    await this.db.transaction((tx) => emptyInstanceData(tx, instanceId));
    this.journal.clear(instanceId);
    this.clocks.reset(instanceId);
    this.faults.clear(instanceId);
  }

  async resetAll(): Promise<void> {
    await this.db.transaction((tx) => emptyInstanceData(tx, undefined));
    this.journal.clearAll();
    this.clocks.resetAll();
    this.faults.clearAll();
  }

  /** Applies the instance's queued work; false when the timeout passed with work still queued. */
  async drain(instanceId: string): Promise<{ done: boolean; applied: number; queued: number }> {
    const deadline = Date.now() + this.options.drainTimeoutMs;
    let applied = 0;
    for (;;) {
      const queued = await queueDepth(this.db, instanceId);
      if (queued === 0) return { done: true, applied, queued };
      if (Date.now() >= deadline) return { done: false, applied, queued };
      // The background loop may hold the row; pushing here as well only makes it sooner.
      const worked = this.worker ? await this.worker.processOne().catch(() => false) : false;
      if (worked) applied++;
      else await sleep(20);
    }
  }

  snapshot(instanceId: string): Promise<InstanceSnapshot> {
    return exportInstanceData(this.db, instanceId);
  }

  /** Empties the instance's data, then loads the snapshot: all or nothing (one transaction). Clock, faults and journal stay. */
  async load(instanceId: string, snapshot: Partial<Record<SnapshotSection, unknown[]>>): Promise<Record<SnapshotSection, number>> {
    const counts = await this.db.transaction(async (tx) => {
      await emptyInstanceData(tx, instanceId);
      return importInstanceData(tx, instanceId, snapshot, this.clocks.now(instanceId));
    });
    return counts;
  }

  requests(instanceId: string, query: Parameters<RequestJournal['list']>[1]): JournalEntry[] {
    return this.journal.list(instanceId, query);
  }
}
