// POST /v1/person/merge and /v1/accounts/merge (Ortto's; the spec README's last bullets): create
// or update records without events, through applyRecords (the activity pipeline's identity
// claims, merge strategies and custom-field registration). The request-level rules are here:
// merge_by defaults, find_strategy, skip_non_existing, and the all-invalid 400.
import { parseRecordFields } from '../domain/activity-input.js';
import { identityKey } from '../domain/batch-plan.js';
import { checkMergeBy, identityValues, type ResolvedKey } from '../domain/identity.js';
import type { MergeStrategy } from '../domain/merge.js';
import { PROFILES, type Profile } from '../domain/profiles.js';
import type { Subject } from '../domain/subjects.js';
import { badRequest } from '../errors.js';
import type { Db } from '../store/db.js';
import { customFieldTypes } from '../store/custom-fields.js';
import type { AuthContext } from '../store/instances.js';
import { lookupOwners } from '../store/record-queries.js';
import type { ActivityFeed } from './activity-feed.js';
import { applyRecords, type ItemResult, type RecordItem } from './apply-batch.js';

export interface MergeBody {
  merge_by?: string[];
  merge_strategy?: number;
  /** 0 (default): match on any merge_by key; 1: the next key only if the previous has no value; 2: all keys must match. */
  find_strategy?: number;
  /** Update only: a record not found is skipped, never created. */
  skip_non_existing?: boolean;
  async?: boolean;
}

export type MergeOutcome =
  | { index: number; status: 'created' | 'merged'; recordId: string }
  | { index: number; status: 'skipped' }
  | { index: number; status: 'invalid'; error: string };

export interface MergeSettings {
  feed?: ActivityFeed;
  requestId?: string;
  profile?: Profile;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The merge_by keys a record carries values for, in merge_by order (undefined: no value). */
function candidateKeys(mergeBy: string[], fields: Record<string, unknown>): Array<ResolvedKey | undefined> {
  const values = identityValues(fields, mergeBy);
  return mergeBy.map((id) => {
    const value = values.get(id);
    return value === undefined ? undefined : { fieldId: id, value };
  });
}

export async function mergeRecords(
  db: Db, subject: Subject, auth: AuthContext, records: unknown[], body: MergeBody, settings: MergeSettings = {},
): Promise<MergeOutcome[]> {
  const profile = settings.profile ?? PROFILES.docs;
  if (body.merge_by !== undefined) {
    const problem = checkMergeBy(body.merge_by, subject, 'merge_by');
    if (problem) throw badRequest(problem);
  }
  const mergeBy = body.merge_by ?? (subject.kind === 'person' ? auth.personMergeBy : auth.accountMergeBy);
  const strategy = (body.merge_strategy as MergeStrategy | undefined) ?? auth.mergeStrategy;
  const findStrategy = body.find_strategy ?? 0;
  const now = new Date();

  const outcomes = await db.transaction(async (tx) => {
    const types = await customFieldTypes(tx, auth.instanceId, subject.kind);
    const out: MergeOutcome[] = [];
    const checked: Array<{ index: number; fields: Record<string, unknown>; keys: Array<ResolvedKey | undefined>; newCustomFields: RecordItem['newCustomFields'] }> = [];
    for (const [index, record] of records.entries()) {
      if (!isObject(record)) {
        out.push({ index, status: 'invalid', error: `each of ${subject.kind === 'person' ? 'people' : 'accounts'} must be an object with fields` });
        continue;
      }
      const parsed = parseRecordFields(record['fields'], subject, types);
      if (!parsed.ok) {
        out.push({ index, status: 'invalid', error: parsed.error });
        continue;
      }
      const keys = candidateKeys(mergeBy, parsed.value.fields);
      if (keys.every((k) => k === undefined)) {
        out.push({ index, status: 'invalid', error: `no usable merge key: fields has no value for ${mergeBy.join(' or ')} (merge_by)` });
        continue;
      }
      const missing = mergeBy.find((_, i) => keys[i] === undefined);
      if (findStrategy === 2 && missing !== undefined) {
        out.push({ index, status: 'invalid', error: `find_strategy 2 matches on every merge_by field, and fields has no value for ${missing}` });
        continue;
      }
      checked.push({ index, fields: parsed.value.fields, keys, newCustomFields: parsed.value.newCustomFields });
    }

    // Which key finds each record: a plain read; a concurrent creation is settled by the claim loop.
    const allKeys = checked.flatMap((c) => c.keys.filter((k): k is ResolvedKey => k !== undefined));
    const owners = await lookupOwners(tx, auth.instanceId, subject.kind, allKeys);
    const ownerOf = (k: ResolvedKey | undefined) => (k ? owners.get(identityKey(k.fieldId, k.value)) : undefined);
    const items: RecordItem[] = [];
    for (const c of checked) {
      const present = c.keys.filter((k): k is ResolvedKey => k !== undefined);
      let key: ResolvedKey;
      if (findStrategy === 2) {
        const found = new Set(present.map(ownerOf));
        if (found.size > 1) {
          out.push({ index: c.index, status: 'invalid', error: `find_strategy 2: the merge_by values (${mergeBy.join(', ')}) do not all belong to one ${subject.label}` });
          continue;
        }
        key = present[0]!;
      } else if (findStrategy === 1) {
        key = present[0]!;
      } else {
        key = present.find((k) => ownerOf(k) !== undefined) ?? present[0]!;
      }
      if (body.skip_non_existing === true && ownerOf(key) === undefined) {
        out.push({ index: c.index, status: 'skipped' });
        continue;
      }
      items.push({ index: c.index, fields: c.fields, key, strategy, newCustomFields: c.newCustomFields });
    }

    const applied = items.length > 0 ? await applyRecords(tx, { instanceId: auth.instanceId, subject, mergeBy, strategy, now }, items) : [];
    for (const r of applied) {
      if (r.status === 'ingested') out.push({ index: r.index, status: r.recordStatus, recordId: r.recordId });
      else out.push({ index: r.index, status: 'invalid', error: r.error });
    }
    out.sort((a, b) => a.index - b.index);
    const invalid = out.filter((o): o is Extract<MergeOutcome, { status: 'invalid' }> => o.status === 'invalid');
    if (invalid.length === out.length) {
      // Nothing was taken: the request fails as a whole and the transaction writes nothing.
      throw badRequest(`No valid contacts provided (${invalid[0]!.error})`, invalid.map((f) => profile.mergeFailure(f.index, f.error)));
    }
    return out;
  });
  emit(settings, auth.instanceId, subject, records, outcomes);
  return outcomes;
}

function emit(settings: MergeSettings, instanceId: string, subject: Subject, records: unknown[], outcomes: MergeOutcome[]): void {
  if (!settings.feed?.listening) return;
  const results: ItemResult[] = outcomes.flatMap((o): ItemResult[] => {
    if (o.status === 'created' || o.status === 'merged') return [{ index: o.index, status: 'ingested', recordId: o.recordId, recordStatus: o.status, eventId: '' }];
    if (o.status === 'invalid') return [{ index: o.index, status: 'invalid', error: o.error }];
    return [];
  });
  settings.feed.emit({
    instanceId, kind: subject.kind, mode: 'sync', source: 'merge', requestId: settings.requestId, at: new Date(), results,
    activities: new Map(records.map((r, i) => [i, r])),
  });
}
