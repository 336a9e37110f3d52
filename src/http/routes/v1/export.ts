// POST /v1/activities/export and POST /v1/accounts/activities/export: every event of the
// instance as NDJSON in id order, streamed (this project's extension; Ortto has no export, and
// `activity-cdp export` falls back to the read-back endpoints there).
import { Readable } from 'node:stream';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { ACCOUNT, PERSON, type Subject } from '../../../domain/subjects.js';
import { prepareExport, type ExportRequest } from '../../../read/export-events.js';
import type { AppDeps } from '../../deps.js';
import { errorResponses } from '../../schemas/common.js';
import { ExportAccountEventsBody, ExportEnd, ExportedAccountEvent, ExportedPersonEvent, ExportPersonEventsBody } from '../../schemas/export.js';

const DESCRIPTION = "This project's extension (Ortto has none). The answer is NDJSON (application/x-ndjson): one " +
  'event a line in id order, then a last line {"next_cursor", "exported"}; send next_cursor back as cursor ' +
  'for the next events until it is null. An answer without that last line was cut short: continue from ' +
  'the cursor of the previous whole answer. Memory on the server holds one chunk of 1000 events.';

export const exportRoutes = (deps: AppDeps): FastifyPluginAsyncTypebox => async (app) => {
  const ndjson = (line: typeof ExportedPersonEvent | typeof ExportedAccountEvent) => ({
    description: 'NDJSON: event lines, then the end line',
    content: { 'application/x-ndjson': { schema: Type.Union([line, ExportEnd]) } },
  });
  const handler = (subject: Subject) => async (request: { body: unknown; auth: { instanceId: string } }, reply: FastifyReply) => {
    const { chunks } = await prepareExport(deps.db, request.auth.instanceId, subject, request.body as ExportRequest);
    const stream = Readable.from(chunks, { objectMode: false });
    stream.on('error', (error) => reply.log.error({ err: error }, 'export stream failed'));
    return reply.type('application/x-ndjson; charset=utf-8').header('cache-control', 'no-store').send(stream);
  };

  app.post('/activities/export', {
    schema: {
      tags: ['extensions'], summary: "Export persons' activity events (NDJSON, streamed)", description: DESCRIPTION,
      body: ExportPersonEventsBody, response: { 200: ndjson(ExportedPersonEvent), ...errorResponses('not_found') },
    },
  }, handler(PERSON));

  app.post('/accounts/activities/export', {
    schema: {
      tags: ['extensions'], summary: "Export accounts' activity events (NDJSON, streamed)", description: DESCRIPTION,
      body: ExportAccountEventsBody, response: { 200: ndjson(ExportedAccountEvent), ...errorResponses('not_found') },
    },
  }, handler(ACCOUNT));
};

