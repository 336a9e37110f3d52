// GET /_stream/activities: Server-Sent Events of the signed-in instance's ingested activities, fed
// by the in-process activity feed (one `batch` event per committed batch). Authenticated by the
// X-Api-Key header (the console reads the stream with fetch, since EventSource cannot send it).
// A client that falls more than STREAM_CLIENT_BUFFER_BYTES behind is dropped, so a slow reader
// never grows the server's memory; it reconnects and carries on from the live edge.
import type { FastifyInstance } from 'fastify';
import type { AppliedBatch } from '../../ingest/activity-feed.js';
import type { ItemResult } from '../../ingest/apply-batch.js';
import { authenticate } from '../../store/instances.js';
import type { AppDeps } from '../deps.js';
import { sendError } from './errors.js';

/** One batch as the stream sends it: wire JSON (snake_case), items in request order. */
export function batchEvent(batch: AppliedBatch) {
  const idKey = batch.kind === 'person' ? 'person_id' : 'account_id';
  return {
    request_id: batch.requestId ?? null,
    kind: batch.kind,
    mode: batch.mode,
    at: batch.at.toISOString(),
    items: batch.results.map((r: ItemResult) => {
      const base = { index: r.index, status: r.status, activity: batch.activities.get(r.index) ?? null };
      switch (r.status) {
        case 'ingested':
          return { ...base, [idKey]: r.recordId, record_status: r.recordStatus, activity_id: r.eventId };
        case 'queued':
          return { ...base, ...(r.directId ? { [idKey]: r.directId } : {}), activity_id: r.eventId };
        default:
          return { ...base, error: r.error };
      }
    }),
  };
}

export function registerActivityStream(app: FastifyInstance, deps: AppDeps): void {
  const open = new Set<() => void>();
  // Streams never end by themselves: close them when the app closes, or close() would wait on them.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
  // Serialized once per batch however many clients listen to its instance.
  const serialized = new WeakMap<AppliedBatch, string>();

  app.get('/_stream/activities', { schema: { hide: true } }, async (request, reply) => {
    const header = request.headers['x-api-key'];
    const key = Array.isArray(header) ? header[0] : header;
    if (!key) return sendError(reply, 'unauthorized', 'missing X-Api-Key header');
    const auth = await authenticate(deps.db, key);
    if (!auth) return sendError(reply, 'unauthorized', 'invalid API key');
    const feed = deps.feed;
    if (!feed) return sendError(reply, 'unavailable', 'the live stream is not available in this process');

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
    });
    res.write(`retry: 1000\nevent: ready\ndata: ${JSON.stringify({ request_id: request.id })}\n\n`);

    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      off();
      clearInterval(heartbeat);
      open.delete(end);
      res.end();
    };
    const off = feed.on((batch) => {
      if (batch.instanceId !== auth.instanceId || ended) return;
      if (res.writableLength > deps.config.streamClientBufferBytes) {
        request.log.warn({ buffered: res.writableLength }, 'live stream client too slow: dropped');
        end();
        res.destroy();
        return;
      }
      let text = serialized.get(batch);
      if (text === undefined) {
        text = `event: batch\ndata: ${JSON.stringify(batchEvent(batch))}\n\n`;
        serialized.set(batch, text);
      }
      res.write(text);
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), deps.config.streamHeartbeatMs);
    heartbeat.unref();
    open.add(end);
    res.on('close', end);
    res.on('error', end);
  });
}
