// Reads an import file record by record, streaming (files larger than memory are fine): NDJSON
// (one activity per line) or CSV (RFC 4180, through csv-parse: quoted cells may hold the delimiter,
// quotes and newlines; any one-character delimiter).
// Each record comes with its line number and either an activity or the reason it was refused.
import fs from 'node:fs';
import { CsvError, parse } from 'csv-parse';
import { fieldTypeRule } from '../domain/field-types.js';
import { CliError } from './output.js';

export interface ImportRecord {
  /** 1-based line number where the record starts. */
  line: number;
  /** The activity to send, when the record could be read. */
  activity?: Record<string, unknown>;
  /** Why the record cannot be sent (then `raw` holds its text). */
  error?: string;
  raw?: string;
}

export interface ReadProgress {
  /** Bytes of the lines handed out so far (UTF-16 units: exact for ASCII, close otherwise). */
  bytesRead: number;
}

async function* lines(file: string, progress: ReadProgress): AsyncGenerator<string> {
  const stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  let rest = '';
  for await (const chunk of stream as AsyncIterable<string>) {
    rest += chunk;
    let nl: number;
    let start = 0;
    while ((nl = rest.indexOf('\n', start)) !== -1) {
      progress.bytesRead += nl + 1 - start;
      yield rest.slice(start, nl).replace(/\r$/, '');
      start = nl + 1;
    }
    rest = rest.slice(start);
  }
  if (rest !== '') {
    progress.bytesRead += rest.length;
    yield rest.replace(/\r$/, '');
  }
}

/** `check` says why a parsed line cannot be sent (default: it is not an activity). */
export async function* readNdjson(
  file: string, progress: ReadProgress, check: (value: unknown) => string | undefined = activityProblem,
): AsyncGenerator<ImportRecord> {
  let line = 0;
  for await (const text of lines(file, progress)) {
    line++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      yield { line, raw: text, error: `not valid JSON: ${(error as Error).message}` };
      continue;
    }
    const problem = check(value);
    if (problem) yield { line, raw: text, error: problem };
    else yield { line, activity: value as Record<string, unknown> };
  }
}

/** A person/merge or accounts/merge record: an object with `fields`. */
export function recordProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object (one record a line)';
  const fields = (value as Record<string, unknown>)['fields'];
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) return 'fields is missing (one {"fields": {...}} a line)';
  return undefined;
}

function activityProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object (one activity per line)';
  const id = (value as Record<string, unknown>)['activity_id'];
  if (typeof id !== 'string' || id === '') return 'activity_id is missing';
  return undefined;
}

/** CSV rows with the line each starts on (quoted cells may span lines), parsed by csv-parse. */
async function* csvRows(file: string, progress: ReadProgress, delimiter: string): AsyncGenerator<{ line: number; cells: string[]; raw: string }> {
  const parser = fs.createReadStream(file, { highWaterMark: 256 * 1024 }).pipe(
    parse({ delimiter, bom: true, relax_column_count: true, skip_empty_lines: true, raw: true, info: true }),
  );
  let endLine = 0;
  try {
    for await (const row of parser as AsyncIterable<{ record: string[]; raw: string; info: { lines: number; bytes: number } }>) {
      // raw holds the empty lines skipped before the record and its line break: drop both.
      const raw = row.raw.replace(/^(\r?\n)+/, '').replace(/\r?\n$/, '');
      // info.lines is the line the record ends on; a record spans as many lines as its raw text.
      const line = Math.max(endLine + 1, row.info.lines - (raw.split('\n').length - 1));
      endLine = row.info.lines;
      progress.bytesRead = row.info.bytes;
      yield { line, cells: row.record, raw };
    }
  } catch (error) {
    if (error instanceof CsvError) throw new CliError(`${file}: not valid CSV: ${error.message}`);
    throw error;
  }
}

const TOP_LEVEL = new Set(['activity_id', 'person_id', 'str:o:organization_id', 'created', 'key', 'merge_by', 'merge_strategy']);
const FIELD_ID = /^([a-z]{3}):(|cm|o|oc):([a-z0-9]+(?:[-_][a-z0-9]+)*)$/;

type Column = { kind: 'top'; name: string } | { kind: 'attributes' | 'fields'; id: string; type: string } | { kind: 'location'; name: string };

function columnOf(header: string, accounts: boolean): Column {
  const h = header.trim();
  if (TOP_LEVEL.has(h)) {
    if (h === 'person_id' && accounts) throw new CliError('column person_id: account activities name the account by str:o:organization_id');
    if (h === 'str:o:organization_id' && !accounts) throw new CliError('column str:o:organization_id is for account activities: add --accounts');
    return { kind: 'top', name: h };
  }
  const m = /^(attributes|fields|location)\.(.+)$/.exec(h);
  if (m) {
    if (m[1] === 'location') return { kind: 'location', name: m[2]! };
    const f = FIELD_ID.exec(m[2]!);
    if (!f && m[2] !== 'int::v') throw new CliError(`column "${h}": "${m[2]}" is not a field ID such as str:cm:destination`);
    return { kind: m[1] as 'attributes' | 'fields', id: m[2]!, type: m[2]!.slice(0, 3) };
  }
  const f = FIELD_ID.exec(h);
  if (h === 'int::v') return { kind: 'attributes', id: h, type: 'int' };
  if (f && f[2] !== 'cm') return { kind: 'fields', id: h, type: f[1]! };
  if (f) throw new CliError(`column "${h}" could be an activity attribute or a person field: name it attributes.${h} or fields.${h}`);
  throw new CliError(
    `column "${h}" is not understood. Columns are activity_id, ${accounts ? 'str:o:organization_id' : 'person_id'}, created, key, ` +
      'merge_by, merge_strategy, attributes.<field id>, fields.<field id>, location.source_ip, or a person/account field ID',
  );
}

/** A CSV cell as the value its field type takes (text for a prefix that is not a field type). */
function cellValue(type: string, text: string): unknown {
  const rule = fieldTypeRule(type);
  return rule ? rule.csv(text) : text;
}

/**
 * CSV: a header row names the columns (see the import command's help); each later row is one
 * activity. Empty cells are left out (CSV cannot say null: use NDJSON to clear a value).
 */
export async function* readCsv(file: string, progress: ReadProgress, accounts: boolean, delimiter = ','): AsyncGenerator<ImportRecord> {
  let columns: Column[] | undefined;
  for await (const row of csvRows(file, progress, delimiter)) {
    if (!columns) {
      columns = row.cells.map((h) => columnOf(h, accounts));
      if (!columns.some((c) => c.kind === 'top' && c.name === 'activity_id')) throw new CliError(`${file}: the header row has no activity_id column`);
      continue;
    }
    if (row.cells.length !== columns.length) {
      yield { line: row.line, raw: row.raw, error: `has ${row.cells.length} cells; the header has ${columns.length}` };
      continue;
    }
    const activity: Record<string, unknown> = {};
    let error: string | undefined;
    columns.forEach((col, i) => {
      const text = row.cells[i]!;
      if (text === '' || error) return;
      try {
        if (col.kind === 'top') {
          if (col.name === 'merge_by') activity['merge_by'] = text.split('|').map((s) => s.trim());
          else if (col.name === 'merge_strategy') activity['merge_strategy'] = cellValue('int', text);
          else activity[col.name] = text;
        } else if (col.kind === 'location') {
          const location = (activity['location'] ??= {}) as Record<string, unknown>;
          location[col.name] = text;
        } else {
          const group = (activity[col.kind] ??= {}) as Record<string, unknown>;
          group[col.id] = cellValue(col.type, text);
        }
      } catch (e) {
        const what = col.kind === 'top' || col.kind === 'location' ? col.name : `${col.kind}.${col.id}`;
        error = `${what}: ${(e as Error).message}`;
      }
    });
    if (error) yield { line: row.line, raw: row.raw, error };
    else if (!activity['activity_id']) yield { line: row.line, raw: row.raw, error: 'activity_id is empty' };
    else yield { line: row.line, activity };
  }
}
