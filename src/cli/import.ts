// `activity-cdp import FILE`: sends a file of person (or, with --accounts, account) activity
// events through the SDK, which splits them into requests, sends several at once and retries
// what is safe to retry. Every line not taken is written with its reason to a rejects file, so
// nothing is lost silently; the exit code says whether anything was refused.
import fs from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import type { ActivityClient, CreateActivitiesOptions } from '../../packages/client/src/index.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, clientFrom, explain } from './client-options.js';
import { importPeople } from './import-people.js';
import { readCsv, readNdjson, type ImportRecord, type ReadProgress } from './import-records.js';
import { CliError } from './output.js';
import { ProgressBar } from './progress.js';

export const IMPORT_HELP = `Usage: activity-cdp import FILE [options]

Sends the activity events in FILE: person activities (POST /v1/activities/create), or
account activities with --accounts (POST /v1/accounts/activities/create).

FILE is NDJSON (one activity per line, shaped like an element of "activities", e.g.
  {"activity_id": "act:cm:purchase", "attributes": {"int::v": 15300}, "fields": {"str::email": "a@example.com"}})
or CSV (by the .csv extension, or --format csv) with a header row naming the columns:
  activity_id, person_id (or str:o:organization_id with --accounts), created, key,
  merge_by (FIELD|FIELD), merge_strategy, attributes.<field id>, fields.<field id>,
  location.source_ip, or a bare person/account field ID such as str::email
  e.g.  activity_id,str::email,attributes.str:cm:destination,attributes.int::v
        act:cm:flight-booked,ann@example.com,London,15300
  Cells take the field type's value: int whole numbers, bol true/false, sst a|b|c,
  phn/obj JSON. Empty cells are left out (use NDJSON to clear a value with null).

With --people, FILE is NDJSON of person records instead, one a line as an element of
person/merge's "people" (e.g. {"fields": {"str::email": "a@example.com", "str::first": "Ann"}}),
sent through POST /v1/person/merge 100 at a time (with --accounts: accounts/merge); the
summary counts created, merged, skipped and invalid records.

Options:
  --people               Person records (person/merge) instead of activities
  --accounts             Account activities instead of person activities (with --people: account records)
  --format ndjson|csv    Default: by the file's extension (.csv or .tsv is CSV, anything else NDJSON)
  --delimiter C          CSV cell delimiter, one character: , (default; tab for .tsv), ; | or
                         tab (also written \\t or "tab")
  --rejects FILE         Where refused lines go, one JSON object each with the line number
                         and the reason (default: FILE.rejects.ndjson)
  --concurrency N        Requests in flight at once (default 4)
  --async                Ask the server to queue the events (status "queued")
  --merge-by F[,F]       Default merge_by for lines that have none
  --merge-strategy 1|2|3 Default merge strategy: 1 append only, 2 overwrite, 3 ignore
  --no-generated-keys    Send lines as they are. By default each line without "key" gets a
                         generated key (and "created" = now, if it has none) so that a retried
                         request cannot make an event twice
  --quiet                No progress bar (drawn on a terminal: its share and counts are of the
                         lines the server has answered, not of the lines read)

Exit codes: 0 every line was taken (ingested or queued); 2 some lines were refused (see
the rejects file); 1 the import could not run or stopped (e.g. the API key was refused).

${CONNECTION_HELP}`;

/** Activities handed to the SDK at a time per request in flight: keeps every one of them busy. */
const WINDOW_PER_REQUEST = 100 * 4;
const FATAL = new Set([401, 403, 404, 405, 415]);

interface Counts {
  read: number;
  ingested: number;
  queued: number;
  invalid: number;
  rate_limited: number;
  failed: number;
}

class Rejects {
  private stream: fs.WriteStream | undefined;
  count = 0;
  constructor(readonly path: string) {
    // A rejects file left by an earlier run would mislead: start empty.
    fs.rmSync(path, { force: true });
  }

  async write(entry: Record<string, unknown>): Promise<void> {
    this.stream ??= fs.createWriteStream(this.path, { flags: 'w' });
    this.count++;
    if (!this.stream.write(JSON.stringify(entry) + '\n')) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (!this.stream) return;
    this.stream.end();
    await once(this.stream, 'close');
  }
}

function intOption(value: string | undefined, option: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${option} must be a whole number from ${min} to ${max}`);
  return n;
}

export async function importCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...CONNECTION_OPTIONS,
      accounts: { type: 'boolean' },
      people: { type: 'boolean' },
      format: { type: 'string' },
      delimiter: { type: 'string' },
      rejects: { type: 'string' },
      concurrency: { type: 'string' },
      async: { type: 'boolean' },
      'merge-by': { type: 'string' },
      'merge-strategy': { type: 'string' },
      'no-generated-keys': { type: 'boolean' },
      quiet: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(IMPORT_HELP);
    return;
  }
  const file = positionals[0];
  if (!file) throw new CliError(`import needs a FILE\n\n${IMPORT_HELP}`);
  if (positionals.length > 1) throw new CliError(`import takes one FILE (got ${positionals.length})`);
  let size: number;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw new CliError(`${file} is not a file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error)}`);
  }
  const format = values.format ?? (/\.(csv|tsv)$/i.test(file) ? 'csv' : 'ndjson');
  if (format !== 'csv' && format !== 'ndjson') throw new CliError('--format must be ndjson or csv');
  const delimiter = csvDelimiter(values.delimiter, file);
  if (values.delimiter !== undefined && format !== 'csv') throw new CliError('--delimiter is for CSV files: add --format csv');
  const strategy = intOption(values['merge-strategy'], '--merge-strategy', 1, 3);
  const options: CreateActivitiesOptions = {
    concurrency: intOption(values.concurrency, '--concurrency', 1, 64) ?? 4,
    assignKeys: !values['no-generated-keys'],
  };
  if (values.async) options.async = true;
  if (values['merge-by'] !== undefined) options.merge_by = values['merge-by'].split(',').map((s) => s.trim()).filter(Boolean);
  if (strategy !== undefined) options.merge_strategy = strategy as 1 | 2 | 3;
  const client = clientFrom(values);
  const accounts = Boolean(values.accounts);
  if (values.people) {
    if (format !== 'ndjson') throw new CliError('--people takes NDJSON only');
    await importPeople(client, {
      file, accounts, rejectsPath: values.rejects ?? `${file}.rejects.ndjson`,
      ...(options.merge_by ? { mergeBy: options.merge_by } : {}), ...(strategy !== undefined ? { mergeStrategy: strategy as 1 | 2 | 3 } : {}),
    });
    return;
  }

  const progress: ReadProgress = { bytesRead: 0 };
  const records = format === 'csv' ? readCsv(file, progress, accounts, delimiter) : readNdjson(file, progress);
  const rejects = new Rejects(values.rejects ?? `${file}.rejects.ndjson`);
  const counts: Counts = { read: 0, ingested: 0, queued: 0, invalid: 0, rate_limited: 0, failed: 0 };
  const bar = new ProgressBar(size, process.stderr, !values.quiet && Boolean(process.stderr.isTTY));
  // Progress is of answered lines: those refused before sending, and those the server answered
  // (the SDK reports each window's answered share; the bar takes that share of its bytes).
  const acked = { lines: 0, bytes: 0 };
  const line = () =>
    `${acked.lines} of ${counts.read} read lines answered: ${counts.ingested + counts.queued} taken, ${counts.invalid + counts.rate_limited + counts.failed} refused`;
  const sendWindow = async (records: ImportRecord[], startBytes: number) => {
    const endBytes = progress.bytesRead;
    const before = acked.lines;
    const result = await send(client, records, accounts, options, counts, rejects, ({ done, total }) => {
      acked.lines = before + done;
      acked.bytes = startBytes + Math.round(((endBytes - startBytes) * done) / Math.max(1, total));
      bar.update(acked.bytes, line());
    });
    acked.lines = before + records.length;
    acked.bytes = endBytes;
    return result;
  };
  const started = Date.now();
  const windowSize = WINDOW_PER_REQUEST * (options.concurrency ?? 4);
  let stopped: string | undefined;

  try {
    let window: ImportRecord[] = [];
    let windowStart = 0;
    for await (const record of records) {
      counts.read++;
      if (record.error !== undefined) {
        counts.invalid++;
        acked.lines++;
        await rejects.write({ line: record.line, status: 'invalid', error: record.error, raw: record.raw });
        if (window.length === 0) acked.bytes = windowStart = progress.bytesRead;
      } else {
        window.push(record);
        if (window.length >= windowSize) {
          stopped = await sendWindow(window, windowStart);
          window = [];
          windowStart = progress.bytesRead;
          if (stopped) break;
        }
      }
      bar.update(acked.bytes, line());
    }
    if (!stopped && window.length > 0) stopped = await sendWindow(window, windowStart);
    bar.update(acked.bytes, line(), true);
  } finally {
    bar.done();
    await rejects.close();
  }

  const seconds = (Date.now() - started) / 1000;
  const rows: Array<[string, number]> = [
    ['ingested', counts.ingested],
    ['queued', counts.queued],
    ['invalid', counts.invalid],
    ['rate-limited', counts.rate_limited],
  ];
  if (counts.failed > 0) rows.push(['not answered', counts.failed]);
  console.log(`${file}: ${counts.read} ${counts.read === 1 ? 'activity' : 'activities'} read in ${seconds.toFixed(1)} s`);
  for (const [name, n] of rows) console.log(`  ${name.padEnd(13)} ${String(n).padStart(8)}`);
  if (rejects.count > 0) console.log(`refused lines, each with its reason: ${rejects.path}`);
  if (stopped) throw new CliError(`stopped: ${stopped}; lines after the last one counted were not sent`);
  if (rejects.count > 0) process.exitCode = 2;
}

/** The CSV delimiter: --delimiter (one character, or tab), else tab for .tsv files, else a comma. */
function csvDelimiter(option: string | undefined, file: string): string {
  if (option === undefined) return /\.tsv$/i.test(file) ? '\t' : ',';
  const d = option === '\\t' || option.toLowerCase() === 'tab' ? '\t' : option;
  if ([...d].length !== 1) throw new CliError(`--delimiter must be one character (or tab), got "${option}"`);
  if (d === '"' || d === '\n' || d === '\r') throw new CliError('--delimiter cannot be a quote or a line break');
  return d;
}

/** Sends one window of records; returns why the import must stop, if it must. */
async function send(
  client: ActivityClient,
  window: ImportRecord[],
  accounts: boolean,
  options: CreateActivitiesOptions,
  counts: Counts,
  rejects: Rejects,
  onProgress: (progress: { done: number; total: number }) => void,
): Promise<string | undefined> {
  const activities = window.map((r) => r.activity!);
  const opts = { ...options, onProgress };
  const outcomes = accounts
    ? await client.accounts.activities.create(activities as never[], opts)
    : await client.activities.create(activities as never[], opts);
  let stop: string | undefined;
  for (const [i, outcome] of outcomes.entries()) {
    const record = window[i]!;
    switch (outcome.status) {
      case 'ingested':
        counts.ingested++;
        continue;
      case 'queued':
        counts.queued++;
        continue;
      case 'rate_limited':
        counts.rate_limited++;
        break;
      case 'failed':
        counts.failed++;
        if ('cause' in outcome && FATAL.has(outcome.cause.status)) stop ??= explain(outcome.cause, client.baseUrl);
        break;
      default:
        counts.invalid++;
    }
    const entry: Record<string, unknown> = { line: record.line, status: outcome.status, error: outcome.error ?? outcome.status };
    if ('cause' in outcome) {
      entry['http_status'] = outcome.cause.status;
      if (outcome.cause.request_id) entry['request_id'] = outcome.cause.request_id;
    }
    entry['activity'] = record.activity;
    await rejects.write(entry);
  }
  return stop;
}
