// `activity-cdp export`: activity events as NDJSON, one event per line. Against an activity-cdp
// server it streams them from the export endpoint (POST /v1/activities/export, a few requests for
// any number of events); against Ortto, which has no such endpoint, it pages through the
// read-back endpoints (person/get then person/get/activities, a request per person).
import fs from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { ActivityClient, ActivityEvent, GetActivitiesResponse } from '../../packages/client/src/index.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, api, clientEnv, clientFrom } from './client-options.js';
import { activityFieldId } from './definitions.js';
import { CliError } from './output.js';

export const EXPORT_HELP = `Usage: activity-cdp export [--person ID | --account ID | --accounts] [options]

Writes activity events as NDJSON, one event per line:
  {"person_id": "...", "id": "...", "field_id": "act:cm:...", "attr": {...}, "created_at": "...", ...}

From an activity-cdp server the events are streamed in id order (POST /v1/activities/export);
from Ortto, which has no export, person by person (or account by account) in the order of
POST /v1/person/get, each one's events newest first.

  (nothing)            Every person's events (pages through POST /v1/person/get)
  --person ID          One person's events
  --account ID         One account's events ("account_id" instead of "person_id")
  --accounts           Every account's events
  --activity ID        Only this activity (act:cm:NAME or NAME); repeat for more
  --out FILE           Write to FILE instead of standard output
  --walk               Page through the read-back endpoints, as against Ortto, even where the
                       export endpoint exists

${CONNECTION_HELP}`;

const EVENTS_PAGE = 40; // the read-back endpoints' largest page
const RECORDS_PAGE = 500;

async function writeLine(out: Writable, value: unknown): Promise<void> {
  if (!out.write(JSON.stringify(value) + '\n')) await once(out, 'drain');
}

/** Every event of one person or account, page by page. */
async function exportEvents(
  client: ActivityClient,
  kind: 'person' | 'account',
  id: string,
  activities: string[] | undefined,
  out: Writable,
): Promise<number> {
  let offset = 0;
  let written = 0;
  for (;;) {
    const page: GetActivitiesResponse = await api(client, () =>
      kind === 'person'
        ? client.persons.getActivities({ person_id: id, limit: EVENTS_PAGE, offset, ...(activities ? { activities } : {}) })
        : client.accounts.getActivities({ account_id: id, limit: EVENTS_PAGE, offset, ...(activities ? { activities } : {}) }));
    const events: ActivityEvent[] = page.activities ?? [];
    for (const event of events) await writeLine(out, { [`${kind}_id`]: id, ...event });
    written += events.length;
    if (!page.meta.has_more || events.length === 0 || page.next_offset <= offset) return written;
    offset = page.next_offset;
  }
}

const STREAM_PAGE = 100_000; // the export endpoint's largest answer

/** The answer to a request for the export endpoint: lines to read, or absent (no such endpoint: Ortto). */
async function openExport(
  client: ActivityClient, apiKey: string, kind: 'person' | 'account', recordId: string | undefined, body: Record<string, unknown>,
): Promise<Response | undefined> {
  const url = `${client.baseUrl}/v1/${kind === 'person' ? 'activities' : 'accounts/activities'}/export`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': apiKey }, body: JSON.stringify(body) });
  } catch (error) {
    throw new CliError(`could not reach ${client.baseUrl}: ${(error as Error).message}. Is the server running, and is the address right?`);
  }
  if (res.ok) return res;
  const text = await res.text();
  // Ortto (or an older server) has no export endpoint: any 404 or 405 but this server's answer
  // that the record asked for does not exist.
  if ((res.status === 404 || res.status === 405) && !(recordId !== undefined && text.includes(`${kind} ${recordId} not found`))) return undefined;
  let message = text;
  try {
    const parsed = JSON.parse(text) as { error?: unknown; request_id?: unknown };
    if (typeof parsed.error === 'string') message = parsed.error + (typeof parsed.request_id === 'string' ? ` (request_id ${parsed.request_id})` : '');
  } catch {
    // not JSON: the text as it came
  }
  throw new CliError(res.status === 401 ? `the API key was refused: ${message}` : `the server answered ${res.status}: ${message}`);
}

/**
 * Streams every event from the export endpoint, answer after answer, writing each line as it came;
 * undefined when the server has no such endpoint. Counts the records met (by id) for the summary.
 */
async function streamExport(
  client: ActivityClient, apiKey: string, kind: 'person' | 'account', recordId: string | undefined,
  activities: string[] | undefined, out: Writable,
): Promise<{ events: number; records: number } | undefined> {
  const records = new Set<string>();
  const idPrefix = `{"${kind}_id":"`;
  let events = 0;
  let cursor: string | undefined;
  for (;;) {
    const body: Record<string, unknown> = { limit: STREAM_PAGE };
    if (cursor !== undefined) body['cursor'] = cursor;
    if (activities) body['activities'] = activities;
    if (recordId !== undefined) body[`${kind}_id`] = recordId;
    const res = await openExport(client, apiKey, kind, recordId, body);
    if (!res) {
      if (cursor === undefined) return undefined;
      throw new CliError('the export endpoint went away in the middle of the export');
    }
    let end: { next_cursor: string | null; exported: number } | undefined;
    let rest = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const text = rest + decoder.decode(chunk, { stream: true });
        const cut = text.lastIndexOf('\n') + 1;
        rest = text.slice(cut);
        let lines = text.slice(0, cut);
        if (lines.startsWith('{"next_cursor"') || lines.includes('\n{"next_cursor"')) {
          const at = lines.startsWith('{"next_cursor"') ? 0 : lines.indexOf('\n{"next_cursor"') + 1;
          end = JSON.parse(lines.slice(at)) as typeof end;
          lines = lines.slice(0, at);
        }
        for (let i = 0; i < lines.length; i = lines.indexOf('\n', i) + 1) {
          events++;
          if (lines.startsWith(idPrefix, i)) records.add(lines.slice(i + idPrefix.length, i + idPrefix.length + 24));
        }
        if (lines && !out.write(lines)) await once(out, 'drain');
      }
    } catch (error) {
      throw new CliError(`the export was cut short after ${events} events: ${(error as Error).message}`);
    }
    if (!end) throw new CliError(`the export was cut short after ${events} events (the answer ended without its last line)`);
    if (end.next_cursor === null) return { events, records: recordId !== undefined ? 1 : records.size };
    cursor = end.next_cursor;
  }
}

export async function exportCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...CONNECTION_OPTIONS,
      person: { type: 'string' },
      account: { type: 'string' },
      accounts: { type: 'boolean' },
      activity: { type: 'string', multiple: true },
      out: { type: 'string', short: 'o' },
      walk: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(EXPORT_HELP);
    return;
  }
  const chosen = [values.person !== undefined, values.account !== undefined, Boolean(values.accounts)].filter(Boolean).length;
  if (chosen > 1) throw new CliError('export takes one of --person ID, --account ID or --accounts');
  const activities = values.activity?.map(activityFieldId);
  const client = clientFrom(values);
  const out: Writable = values.out ? fs.createWriteStream(values.out) : process.stdout;
  let events = 0;
  let records = 0;
  const kind = values.account !== undefined || values.accounts ? 'account' : 'person';
  try {
    const streamed = values.walk
      ? undefined
      : await streamExport(client, (values['api-key'] ?? clientEnv().apiKey)!, kind, values.person ?? values.account, activities, out);
    if (streamed) {
      ({ events, records } = streamed);
    } else if (values.person !== undefined) {
      events = await exportEvents(client, 'person', values.person, activities, out);
      records = 1;
    } else if (values.account !== undefined) {
      events = await exportEvents(client, 'account', values.account, activities, out);
      records = 1;
    } else {
      const kind = values.accounts ? 'account' : 'person';
      let offset = 0;
      for (;;) {
        const page = values.accounts
          ? await api(client, () => client.accounts.get({ limit: RECORDS_PAGE, offset }))
          : await api(client, () => client.persons.get({ limit: RECORDS_PAGE, offset }));
        const list = 'accounts' in page ? page.accounts : page.contacts;
        for (const record of list) {
          events += await exportEvents(client, kind, record.id, activities, out);
          records++;
        }
        if (!page.has_more || list.length === 0 || page.next_offset <= offset) break;
        offset = page.next_offset;
      }
    }
  } finally {
    if (out !== process.stdout) {
      out.end();
      await once(out, 'close');
    }
  }
  const what = values.person !== undefined || (!values.account && !values.accounts) ? 'person' : 'account';
  console.error(`exported ${events} event${events === 1 ? '' : 's'} of ${records} ${what}${records === 1 ? '' : 's'}${values.out ? ` to ${values.out}` : ''}`);
}
