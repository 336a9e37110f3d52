// `activity-cdp export`: activity events as NDJSON, one event per line, paging through the
// read-back endpoints (person/get then person/get/activities for everyone).
import fs from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { ActivityClient, ActivityEvent, GetActivitiesResponse } from '../../packages/client/src/index.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, api, clientFrom } from './client-options.js';
import { activityFieldId } from './definitions.js';
import { CliError } from './output.js';

export const EXPORT_HELP = `Usage: activity-cdp export [--person ID | --account ID | --accounts] [options]

Writes activity events as NDJSON, one event per line, person by person (or account by account):
  {"person_id": "...", "id": "...", "field_id": "act:cm:...", "attr": {...}, "created_at": "...", ...}

  (nothing)            Every person's events (pages through POST /v1/person/get)
  --person ID          One person's events
  --account ID         One account's events ("account_id" instead of "person_id")
  --accounts           Every account's events
  --activity ID        Only this activity (act:cm:NAME or NAME); repeat for more
  --out FILE           Write to FILE instead of standard output

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
  try {
    if (values.person !== undefined) {
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
