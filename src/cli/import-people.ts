// `activity-cdp import --people FILE` (or --accounts-merge): sends an NDJSON file of records
// (one `{"fields": {...}}` a line, as an element of person/merge's "people") through the SDK's
// persons.merge / accounts.merge, 100 records a request. Every record not taken is written with its
// reason to the rejects file; the exit code says whether anything was refused.
import fs from 'node:fs';
import { isActivityCdpError, type ActivityClient } from '../../packages/client/src/index.js';
import { explain } from './client-options.js';
import { readNdjson, recordProblem, type ImportRecord } from './import-records.js';
import { CliError } from './output.js';

const PER_REQUEST = 100;

export interface PeopleImportOptions {
  file: string;
  rejectsPath: string;
  accounts: boolean;
  mergeBy?: string[];
  mergeStrategy?: 1 | 2 | 3;
}

export async function importPeople(client: ActivityClient, o: PeopleImportOptions): Promise<void> {
  fs.rmSync(o.rejectsPath, { force: true });
  const rejects: string[] = [];
  const counts = { read: 0, created: 0, merged: 0, skipped: 0, invalid: 0 };
  const reject = (record: ImportRecord, error: string, extra: Record<string, unknown> = {}) => {
    counts.invalid++;
    rejects.push(JSON.stringify({ line: record.line, status: 'invalid', error, ...extra, ...(record.activity ? { record: record.activity } : { raw: record.raw }) }));
  };

  const sendChunk = async (chunk: ImportRecord[]) => {
    const records = chunk.map((r) => r.activity!);
    const common = { ...(o.mergeBy ? { merge_by: o.mergeBy } : {}), ...(o.mergeStrategy ? { merge_strategy: o.mergeStrategy } : {}) };
    try {
      const answer = o.accounts
        ? (await client.accounts.merge({ accounts: records as never, ...common })).accounts
        : (await client.persons.merge({ people: records as never, ...common })).people;
      for (const [i, r] of answer.entries()) {
        if (r.status === 'created' || r.status === 'merged' || r.status === 'skipped') counts[r.status]++;
        else reject(chunk[i]!, r.error ?? r.status);
      }
    } catch (error) {
      if (!isActivityCdpError(error)) throw error;
      if (error.status !== 400 || !error.details) throw new CliError(`stopped: ${explain(error, client.baseUrl)}`);
      // Every record of the request was invalid: the details name each one's reason.
      error.details.forEach((d, i) => reject(chunk[d.index ?? i]!, d.error, { request_id: error.request_id }));
    }
  };

  let chunk: ImportRecord[] = [];
  for await (const record of readNdjson(o.file, { bytesRead: 0 }, recordProblem)) {
    counts.read++;
    if (record.error !== undefined) {
      reject(record, record.error);
      continue;
    }
    chunk.push(record);
    if (chunk.length === PER_REQUEST) {
      await sendChunk(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) await sendChunk(chunk);
  if (rejects.length > 0) fs.writeFileSync(o.rejectsPath, rejects.join('\n') + '\n');

  const noun = o.accounts ? 'account' : 'person';
  console.log(`${o.file}: ${counts.read} ${noun} record${counts.read === 1 ? '' : 's'} read`);
  for (const name of ['created', 'merged', 'skipped', 'invalid'] as const) console.log(`  ${name.padEnd(13)} ${String(counts[name]).padStart(8)}`);
  if (rejects.length > 0) {
    console.log(`refused lines, each with its reason: ${o.rejectsPath}`);
    process.exitCode = 2;
  }
}
