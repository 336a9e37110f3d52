// The emulator API under /_emulator (this project's extension; on only in emulator mode or with
// EMULATOR_API=true): fresh instances, reset, the request journal, drain, per-instance clocks,
// injected faults and snapshots. Instance-scoped calls take the instance's X-Api-Key.
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PROFILE_NAMES, type ProfileName } from '../../../domain/profiles.js';
import { checkMergeBy } from '../../../domain/identity.js';
import { ACCOUNT, PERSON } from '../../../domain/subjects.js';
import type { Emulator } from '../../../emulator/emulator.js';
import { badRequest } from '../../../errors.js';
import { SNAPSHOT_SECTIONS, type SnapshotSection } from '../../../store/instance-data.js';
import { authenticate, type AuthContext } from '../../../store/instances.js';
import { isRefusedInput } from '../../../store/sqlstate.js';
import type { AppDeps } from '../../deps.js';
import { sendError, sendErrorStatus } from '../../plugins/errors.js';
import { errorBodyRef, errorResponsesOf, literals } from '../../schemas/common.js';

const tags = ['emulator'];
const errors = errorResponsesOf('bad_request', 'unauthorized');
const security = [{ apiKey: [] }];

const NewInstanceBody = Type.Object({
  profile: Type.Optional(Type.Unsafe<ProfileName>({ type: 'string', enum: [...PROFILE_NAMES], description: 'Response profile of the instance' })),
  merge_by: Type.Optional(Type.Array(Type.String(), { description: 'Default person merge keys (one or two field IDs)' })),
  account_merge_by: Type.Optional(Type.Array(Type.String(), { description: 'Default account merge keys (one or two field IDs)' })),
  merge_strategy: Type.Optional(Type.Integer({ minimum: 1, maximum: 3, description: '1 append only, 2 overwrite (default), 3 ignore' })),
  daily_limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Events of one activity per person per rolling 24 h; 0 = none' })),
}, { additionalProperties: false });

const NewInstanceResponse = Type.Object({ instance_id: Type.String(), api_key: Type.String() });

const ResetBody = Type.Object({
  all: Type.Optional(Type.Boolean({ description: 'true: empty every instance (no X-Api-Key needed)' })),
}, { additionalProperties: false });

const ResetResponse = Type.Object({ reset: Type.Union([Type.Literal('all'), Type.String({ description: 'the instance id' })]) });

const Outcome = Type.Object({
  index: Type.Integer(),
  outcome: literals(['created', 'merged', 'deduplicated', 'queued', 'invalid', 'rate_limited', 'dead_letter', 'skipped']),
  error: Type.Optional(Type.String()),
  person_id: Type.Optional(Type.String()),
  account_id: Type.Optional(Type.String()),
  activity_id: Type.Optional(Type.String()),
});

const JournalEntry = Type.Object({
  request_id: Type.String(),
  method: Type.String(),
  path: Type.String(),
  received_at: Type.String({ format: 'date-time', description: "On the instance's clock" }),
  status: Type.Union([Type.Integer(), Type.Null()]),
  request: Type.Unknown({ description: 'The request body as parsed' }),
  response: Type.Unknown({ description: 'The answer sent' }),
  outcomes: Type.Union([Type.Array(Outcome), Type.Null()], { description: "Each activity's final outcome (async ones once applied)" }),
  fault: Type.Optional(Type.Object({ status: Type.Union([Type.Integer(), Type.Null()]), delay_ms: Type.Integer() })),
});

const RequestsQuery = Type.Object({
  path: Type.Optional(Type.String({ description: 'Only requests to this path, e.g. /v1/activities/create' })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$', description: 'At most this many (default: all kept)' })),
  since: Type.Optional(Type.String({ description: 'Only requests received after this RFC 3339 instant' })),
}, { additionalProperties: false });

const RequestsResponse = Type.Object({ requests: Type.Array(JournalEntry) });

const DrainResponse = Type.Object({ drained: Type.Boolean(), applied_requests: Type.Integer(), queued_requests: Type.Integer() });

const ClockBody = Type.Object({
  now: Type.Optional(Type.String({ description: 'Freeze the clock at this RFC 3339 instant' })),
  advance_seconds: Type.Optional(Type.Number({ description: 'Move the clock by this many seconds (negative: back)' })),
}, { additionalProperties: false });

const ClockResponse = Type.Object({ now: Type.String({ format: 'date-time' }), frozen: Type.Boolean() });

const FaultBody = Type.Object({
  path: Type.Optional(Type.String({ description: 'Only requests to this Ortto path (default: any /v1 path)' })),
  status: Type.Optional(Type.Integer({ minimum: 400, maximum: 599, description: 'Status to answer (default 500; with only delay_ms, the request then runs)' })),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'How many requests (default 1)' })),
  delay_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 300_000, description: 'Delay before answering' })),
  try_in_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400, description: "For 429: Ortto's try-in-seconds (default 1)" })),
}, { additionalProperties: false });

const Fault = Type.Object({
  id: Type.Integer(), path: Type.Union([Type.String(), Type.Null()]), status: Type.Union([Type.Integer(), Type.Null()]),
  remaining: Type.Integer(), delay_ms: Type.Integer(), try_in_seconds: Type.Integer(),
});

const Rows = Type.Array(Type.Record(Type.String(), Type.Unknown()));
const Snapshot = Type.Object({
  version: Type.Literal(1),
  ...Object.fromEntries(SNAPSHOT_SECTIONS.map((s) => [s, Type.Optional(Rows)])),
}, { additionalProperties: false, description: "An instance's definitions, custom fields, persons, accounts, identities and events" });

const isRfc3339 = (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(s) && !Number.isNaN(Date.parse(s));

declare module 'fastify' {
  interface FastifyRequest {
    emulatorAuth: AuthContext;
  }
}

/** Registers the journal and fault hooks' companion: the /_emulator routes. */
export async function registerEmulator(app: FastifyInstance, deps: AppDeps, emulator: Emulator): Promise<void> {
  await app.register(async (api) => {
    // Journal entries and snapshots hold free-form JSON: serialize them as they are.
    api.setSerializerCompiler(() => (data) => JSON.stringify(data));
    api.decorateRequest('emulatorAuth', null as unknown as AuthContext);
    // A POST or PUT without a body is an empty object (curl -X POST .../reset).
    api.addHook('preValidation', async (request) => {
      if (request.body === undefined && (request.method === 'POST' || request.method === 'PUT')) request.body = {};
    });

    /** The instance of X-Api-Key; answers 401 itself when there is none. */
    const requireKey = async (request: FastifyRequest, reply: FastifyReply) => {
      const header = request.headers['x-api-key'];
      const key = Array.isArray(header) ? header[0] : header;
      if (!key) return sendError(reply, 'unauthorized', 'missing X-Api-Key header: emulator calls for an instance take its key');
      const auth = await authenticate(deps.db, key);
      if (!auth) return sendError(reply, 'unauthorized', 'invalid API key');
      request.emulatorAuth = auth;
      return undefined;
    };
    const keyed = { onRequest: requireKey };

    api.post('/instances', {
      schema: {
        tags, summary: 'Create a fresh, isolated instance', operationId: 'emulatorCreateInstance', security: [],
        body: NewInstanceBody, response: { 200: NewInstanceResponse, ...errorResponsesOf('bad_request') },
      },
    }, async (request) => {
      const body = (request.body ?? {}) as Record<string, unknown> & { merge_by?: string[]; account_merge_by?: string[] };
      if (body.merge_by !== undefined) {
        const problem = checkMergeBy(body.merge_by, PERSON, 'merge_by');
        if (problem) throw badRequest(problem);
      }
      if (body.account_merge_by !== undefined) {
        const problem = checkMergeBy(body.account_merge_by, ACCOUNT, 'account_merge_by');
        if (problem) throw badRequest(problem);
      }
      return emulator.createInstance(body as Parameters<Emulator['createInstance']>[0]);
    });

    api.post('/reset', {
      schema: {
        tags, summary: "Empty an instance (its key's) or, with {\"all\": true}, every instance; keys stay", operationId: 'emulatorReset',
        security, body: ResetBody, response: { 200: ResetResponse, ...errors },
      },
      onRequest: async (request, reply) => {
        // {"all": true} needs no key; the body is not parsed yet, so decide in preHandler.
        const header = request.headers['x-api-key'];
        if (header) return requireKey(request, reply);
        return undefined;
      },
    }, async (request, reply) => {
      const body = (request.body ?? {}) as { all?: boolean };
      if (body.all === true) {
        await emulator.resetAll();
        return { reset: 'all' };
      }
      if (!request.emulatorAuth) return sendError(reply, 'unauthorized', 'missing X-Api-Key header: send the key of the instance to reset, or {"all": true}');
      await emulator.reset(request.emulatorAuth.instanceId);
      return { reset: request.emulatorAuth.instanceId };
    });

    api.get('/requests', {
      schema: {
        tags, summary: "The instance's request journal, newest first", operationId: 'emulatorListRequests', security,
        querystring: RequestsQuery, response: { 200: RequestsResponse, ...errors },
      },
      ...keyed,
    }, async (request) => {
      const q = request.query as { path?: string; limit?: string; since?: string };
      let since: Date | undefined;
      if (q.since !== undefined) {
        if (!isRfc3339(q.since)) throw badRequest('since must be an RFC 3339 date-time such as 2025-10-15T14:30:00Z');
        since = new Date(q.since);
      }
      const limit = q.limit === undefined ? undefined : Number(q.limit);
      if (limit !== undefined && limit < 1) throw badRequest('limit must be >= 1');
      return { requests: emulator.requests(request.emulatorAuth.instanceId, { path: q.path, limit, since }) };
    });

    api.delete('/requests', {
      schema: { tags, summary: "Clear the instance's request journal", operationId: 'emulatorClearRequests', security, response: { 200: RequestsResponse, ...errors } },
      ...keyed,
    }, async (request) => {
      emulator.journal.clear(request.emulatorAuth.instanceId);
      return { requests: [] };
    });

    api.post('/drain', {
      schema: {
        tags, summary: "Answer once the instance's queued work is applied (504 on timeout)", operationId: 'emulatorDrain', security,
        response: { 200: DrainResponse, ...errors, 504: errorBodyRef },
      },
      ...keyed,
    }, async (request, reply) => {
      const r = await emulator.drain(request.emulatorAuth.instanceId);
      if (!r.done) {
        return sendErrorStatus(reply, 504, `drain timed out after ${deps.config.emulatorDrainTimeoutMs} ms with ${r.queued} queued requests left (EMULATOR_DRAIN_TIMEOUT_MS)`);
      }
      return { drained: true, applied_requests: r.applied, queued_requests: r.queued };
    });

    const clockView = (instanceId: string) => {
      const v = emulator.clocks.view(instanceId);
      return { now: v.now.toISOString(), frozen: v.frozen };
    };
    api.put('/clock', {
      schema: {
        tags, summary: "Set ({\"now\"}: frozen there) or move ({\"advance_seconds\"}) the instance's clock", operationId: 'emulatorSetClock', security,
        body: ClockBody, response: { 200: ClockResponse, ...errors },
      },
      ...keyed,
    }, async (request) => {
      const body = request.body as { now?: string; advance_seconds?: number };
      const id = request.emulatorAuth.instanceId;
      if ((body.now === undefined) === (body.advance_seconds === undefined)) throw badRequest('send one of now (an RFC 3339 date-time) or advance_seconds');
      if (body.now !== undefined) {
        if (!isRfc3339(body.now)) throw badRequest('now must be an RFC 3339 date-time such as 2025-10-15T14:30:00Z');
        emulator.clocks.freeze(id, new Date(body.now));
      } else {
        if (!Number.isFinite(body.advance_seconds) || Math.abs(body.advance_seconds!) > 100 * 365 * 86_400) {
          throw badRequest('advance_seconds must be a number of seconds within 100 years');
        }
        emulator.clocks.advance(id, body.advance_seconds!);
      }
      return clockView(id);
    });
    api.get('/clock', {
      schema: { tags, summary: "The instance's clock", operationId: 'emulatorGetClock', security, response: { 200: ClockResponse, ...errors } },
      ...keyed,
    }, async (request) => clockView(request.emulatorAuth.instanceId));
    api.delete('/clock', {
      schema: { tags, summary: "Back to real time for the instance", operationId: 'emulatorResetClock', security, response: { 200: ClockResponse, ...errors } },
      ...keyed,
    }, async (request) => {
      emulator.clocks.reset(request.emulatorAuth.instanceId);
      return clockView(request.emulatorAuth.instanceId);
    });

    api.post('/faults', {
      schema: {
        tags, summary: "Make the instance's next requests fail (status, after delay_ms)", operationId: 'emulatorAddFault', security,
        body: FaultBody, response: { 200: Type.Object({ fault: Fault }), ...errors },
      },
      ...keyed,
    }, async (request) => {
      const body = request.body as { path?: string };
      if (body.path !== undefined && !/^\/v1\/[a-z0-9/_-]+$/.test(body.path)) {
        throw badRequest('path must be an Ortto API path such as /v1/activities/create (faults never apply to /_emulator)');
      }
      return { fault: emulator.faults.add(request.emulatorAuth.instanceId, request.body as Parameters<Emulator['faults']['add']>[1]) };
    });
    api.get('/faults', {
      schema: { tags, summary: "The instance's armed faults", operationId: 'emulatorListFaults', security, response: { 200: Type.Object({ faults: Type.Array(Fault) }), ...errors } },
      ...keyed,
    }, async (request) => ({ faults: emulator.faults.list(request.emulatorAuth.instanceId) }));
    api.delete('/faults', {
      schema: { tags, summary: "Clear the instance's faults", operationId: 'emulatorClearFaults', security, response: { 200: Type.Object({ faults: Type.Array(Fault) }), ...errors } },
      ...keyed,
    }, async (request) => {
      emulator.faults.clear(request.emulatorAuth.instanceId);
      return { faults: [] };
    });

    api.get('/snapshot', {
      schema: { tags, summary: "The instance's data as one JSON document", operationId: 'emulatorGetSnapshot', security, response: { 200: Snapshot, ...errors } },
      ...keyed,
    }, async (request) => emulator.snapshot(request.emulatorAuth.instanceId));
    api.put('/snapshot', {
      schema: {
        tags, summary: "Empty the instance and load a snapshot (all or nothing)", operationId: 'emulatorPutSnapshot', security,
        body: Snapshot, response: { 200: Type.Object({ loaded: Type.Record(Type.String(), Type.Integer()) }), ...errors },
      },
      ...keyed,
    }, async (request) => {
      try {
        return { loaded: await emulator.load(request.emulatorAuth.instanceId, request.body as Partial<Record<SnapshotSection, unknown[]>>) };
      } catch (error) {
        // Rows the database refuses (missing columns, bad values, duplicates): the document is wrong.
        if (isRefusedInput(error)) {
          throw badRequest(`snapshot refused, nothing loaded: ${(error as Error).message}`);
        }
        throw error;
      }
    });
  }, { prefix: '/_emulator' });
}
