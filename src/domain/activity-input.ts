// One activity of a create-activities request, checked against its definition and the subject's
// fields. Every problem is a value naming what was wrong: it fails that activity, not the request.
import { attributeFieldId, definitionNameOf, type Definition } from './definitions.js';
import { checkValue, isReadOnlyBuiltIn, normalizeValue, parseFieldId, systemActivityName, type FieldType } from './field-types.js';
import { isId, keyedEventId } from './ids.js';
import { checkMergeBy, isEmailField, normalizeEmail, resolveKey, type ResolvedKey } from './identity.js';
import { parseLocation, locationFields, type IpLocation, type Location } from './location.js';
import { isMergeStrategy, type Fields, type MergeStrategy } from './merge.js';
import { err, ok, type Result } from './result.js';
import type { Subject } from './subjects.js';
import { isoDateTimeMs } from './values.js';

export const MAX_ATTRIBUTES_PER_ACTIVITY = 15;
export const MAX_ACTIVITY_BYTES = 16 * 1024;
export const SYNC_BACKDATE_DAYS = 90;
export const MAX_FUTURE_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export const MESSAGES = {
  tooOld90: 'Created date is more than 90 days ago',
  tooOldRetention: 'Created date is outside of activity cold storage',
  future: 'Created date is more than 5 minutes in the future',
} as const;

export type Target = { type: 'direct'; id: string } | { type: 'key'; key: ResolvedKey; mergeBy: readonly string[] };

export interface ParsedActivity {
  definition: Definition;
  /** Attribute field ID → value; null clears the attribute on a de-duplicated event. */
  attributes: Record<string, unknown>;
  /** Record fields to merge: request fields, then mapped attributes and location (request fields win). */
  fields: Fields;
  target: Target;
  strategy: MergeStrategy;
  created: Date;
  /** True when `created` was sent (false: now). */
  backdated: boolean;
  eventKey: string | null;
  location: Location | undefined;
  /** Older than the synchronous window but within retention: goes to the queue. */
  queue: boolean;
  /** Custom fields this activity uses that the instance does not have yet (nor an earlier activity of its batch). */
  newCustomFields: Array<{ name: string; type: FieldType }>;
  /**
   * Every custom field this activity names. A field an earlier activity of the batch named first is
   * not new to this one, but this one registers it if that earlier one is not taken.
   */
  customFields: Array<{ name: string; type: FieldType }>;
}

export interface ParseContext {
  subject: Subject;
  definitions: ReadonlyMap<string, Definition>;
  /** Custom field types known so far (the instance's, plus those of activities taken earlier in the batch). */
  customTypes: ReadonlyMap<string, FieldType>;
  /** merge_by from the request, else from the API key (already checked). */
  mergeBy: string[];
  strategy: MergeStrategy;
  now: Date;
  /** Sync requests queue backdated activities; the worker ingests them. */
  queueBackdated: boolean;
  /** What the IP database said of the batch's source_ip values. */
  ipLocations?: ReadonlyMap<string, IpLocation>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

function parseAttributes(raw: unknown, def: Definition): Result<Record<string, unknown>> {
  if (raw === undefined || raw === null) return ok({});
  if (!isObject(raw)) return err('attributes must be an object');
  const keys = Object.keys(raw);
  if (keys.length > MAX_ATTRIBUTES_PER_ACTIVITY) {
    return err(`attributes holds ${keys.length} attributes, more than the limit of ${MAX_ATTRIBUTES_PER_ACTIVITY}`);
  }
  const byFieldId = new Map(def.attributes.map((a) => [attributeFieldId(a), a]));
  const byName = new Map(def.attributes.map((a) => [a.name, a]));
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = raw[key];
    if (key === 'int::v') {
      if (!def.trackConversionValue) return err(`int::v: act:cm:${def.name} does not track conversion value`);
      if (value !== null) {
        const c = checkValue('int', value, 'int::v');
        if (!c.ok) return err(`${c.error} (the conversion value × 1000, e.g. 15300 for $15.30)`);
      }
      out[key] = value;
      continue;
    }
    if (!byFieldId.has(key)) {
      const f = parseFieldId(key);
      const attr = f && f.namespace === 'cm' ? byName.get(f.name) : undefined;
      if (attr) return err(`${key}: attribute ${attr.name} is ${attr.displayType}, send it as ${attributeFieldId(attr)}`);
      return err(`${key} is not an attribute of act:cm:${def.name}`);
    }
    if (value !== null) {
      const c = checkValue(key.slice(0, 3) as FieldType, value, key);
      if (!c.ok) return err(c.error);
    }
    out[key] = value;
  }
  return ok(out);
}

type ParsedFields = { fields: Fields; newCustomFields: Array<{ name: string; type: FieldType }>; customFields: Array<{ name: string; type: FieldType }> };

function parseFields(raw: unknown, ctx: ParseContext): Result<ParsedFields> {
  if (raw === undefined || raw === null) return ok({ fields: {}, newCustomFields: [], customFields: [] });
  if (!isObject(raw)) return err('fields must be an object');
  const { subject } = ctx;
  const fields: Fields = {};
  const newCustomFields: Array<{ name: string; type: FieldType }> = [];
  const customFields: Array<{ name: string; type: FieldType }> = [];
  for (const [id, value] of Object.entries(raw)) {
    const f = parseFieldId(id);
    if (!f) return err(`fields: "${id}" is not a field ID (<type>:<namespace>:<name>, e.g. str::email)`);
    if (f.namespace === subject.customNamespace) {
      const known = ctx.customTypes.get(f.name);
      if (known !== undefined && known !== f.type) {
        return err(`fields: ${id} conflicts with the existing field ${known}:${subject.customNamespace}:${f.name}`);
      }
      if (!customFields.some((n) => n.name === f.name)) customFields.push({ name: f.name, type: f.type });
      if (known === undefined && !newCustomFields.some((n) => n.name === f.name)) newCustomFields.push({ name: f.name, type: f.type });
    } else if (f.namespace === subject.builtInNamespace && isReadOnlyBuiltIn(id)) {
      return err(`fields: ${id} is read-only (Ortto sets it itself)`);
    } else if (f.namespace !== subject.builtInNamespace || !subject.isBuiltIn(id)) {
      return err(`fields: ${id} is not ${subject.aLabel} field`);
    }
    // Liberal shapes real clients send ({"name": ...} for geo, {"n"} for phones) become the stored
    // value; an all-empty one ({} / empty phone parts) is no value at all.
    const normal = normalizeValue(f.type, value);
    if (normal.none) continue;
    const v = normal.value;
    if (v !== null) {
      const c = checkValue(f.type, v, id);
      if (!c.ok) return err(`fields: ${c.error}`);
      if (isEmailField(id) && !EMAIL.test((v as string).trim())) return err(`fields: str::email "${v as string}" is not an e-mail address`);
    }
    fields[id] = isEmailField(id) && typeof v === 'string' ? normalizeEmail(v) : v;
  }
  return ok({ fields, newCustomFields, customFields });
}

function parseCreated(raw: unknown, def: Definition, ctx: ParseContext): Result<{ created: Date; queue: boolean }> {
  if (raw === undefined || raw === null) return ok({ created: ctx.now, queue: false });
  const ms = typeof raw === 'string' ? isoDateTimeMs(raw) : NaN;
  if (Number.isNaN(ms)) return err('created must be an ISO-8601 date-time such as 2025-10-15T14:30:00Z');
  const created = new Date(ms);
  const age = ctx.now.getTime() - created.getTime();
  if (age < -MAX_FUTURE_MS) return err(MESSAGES.future);
  if (age <= SYNC_BACKDATE_DAYS * DAY_MS) return ok({ created, queue: false });
  if (age > def.retentionDays * DAY_MS) {
    return err(def.retentionDays <= SYNC_BACKDATE_DAYS ? MESSAGES.tooOld90 : MESSAGES.tooOldRetention);
  }
  return ok({ created, queue: ctx.queueBackdated });
}

export function parseActivity(raw: unknown, ctx: ParseContext): Result<ParsedActivity> {
  if (!isObject(raw)) return err('each activity must be an object');
  const size = Buffer.byteLength(JSON.stringify(raw), 'utf8');
  if (size > MAX_ACTIVITY_BYTES) return err(`activity is ${size} bytes, more than the limit of ${MAX_ACTIVITY_BYTES} (16 KB)`);

  const activityId = raw['activity_id'];
  if (activityId === undefined || activityId === null) return err('activity_id is required');
  const name = definitionNameOf(activityId);
  const system = systemActivityName(activityId);
  if (system !== undefined) {
    return err(`activity_id "${String(activityId)}" is Ortto's own system activity (${system}): it takes no events through the API; send a custom activity (act:cm:<name>)`);
  }
  if (!name) return err(`activity_id "${String(activityId)}" must look like act:cm:<name>`);
  const definition = ctx.definitions.get(name);
  if (!definition) return err(`activity ${String(activityId)} does not exist`);
  if (definition.archivedAt) return err(`activity act:cm:${name} is archived and takes no new events`);

  const attributes = parseAttributes(raw['attributes'], definition);
  if (!attributes.ok) return attributes;

  let strategy = ctx.strategy;
  if (raw['merge_strategy'] !== undefined && raw['merge_strategy'] !== null) {
    if (!isMergeStrategy(raw['merge_strategy'])) return err('merge_strategy must be 1 (append only), 2 (overwrite existing) or 3 (ignore)');
    strategy = raw['merge_strategy'];
  }

  const { subject } = ctx;
  const directId = raw[subject.directIdElement];
  let target: Target | undefined;
  let fields: Fields = {};
  let newCustomFields: Array<{ name: string; type: FieldType }> = [];
  let customFields: Array<{ name: string; type: FieldType }> = [];
  if (directId !== undefined && directId !== null && directId !== '') {
    if (!isId(directId)) return err(`${subject.directIdElement} "${String(directId)}" is not ${subject.aLabel} id (24 hex characters)`);
    target = { type: 'direct', id: directId };
  } else {
    let mergeBy = ctx.mergeBy;
    if (raw['merge_by'] !== undefined && raw['merge_by'] !== null) {
      const problem = checkMergeBy(raw['merge_by'], subject, 'merge_by');
      if (problem) return err(problem);
      mergeBy = raw['merge_by'] as string[];
    }
    const parsed = parseFields(raw['fields'], ctx);
    if (!parsed.ok) return parsed;
    fields = parsed.value.fields;
    newCustomFields = parsed.value.newCustomFields;
    customFields = parsed.value.customFields;
    const key = resolveKey(mergeBy, fields);
    if (!key) {
      return err(`no usable merge key: fields has no value for ${mergeBy.join(' or ')} (merge_by), and no ${subject.directIdElement} was given`);
    }
    target = { type: 'key', key, mergeBy };
  }

  const created = parseCreated(raw['created'], definition, ctx);
  if (!created.ok) return created;

  let eventKey: string | null = null;
  const key = raw['key'];
  if (key !== undefined && key !== null) {
    if (typeof key !== 'string' || key === '' || key.length > 255) return err('key must be a non-empty string of at most 255 characters');
    eventKey = key;
  }

  const location = parseLocation(raw['location'], ctx.ipLocations);
  if (!location.ok) return location;

  // Request fields win over what the definition maps and what the location implies.
  const implied: Fields = { ...locationFields(location.value, subject) };
  if (subject.appliesMappedAttributes) {
    for (const attr of definition.attributes) {
      if (!attr.mappedFieldId) continue;
      const fid = attributeFieldId(attr);
      if (fid in attributes.value) implied[attr.mappedFieldId] = attributes.value[fid];
    }
  }
  for (const [id, value] of Object.entries(implied)) {
    if (!(id in fields)) fields[id] = value;
  }

  return ok({
    definition,
    attributes: attributes.value,
    fields,
    target,
    strategy,
    created: created.value.created,
    backdated: raw['created'] !== undefined && raw['created'] !== null,
    eventKey,
    location: location.value,
    queue: created.value.queue,
    newCustomFields,
    customFields,
  });
}

/**
 * The event id to acknowledge for an activity before it is parsed (async requests): a keyed
 * activity gets the id its event has or will have (`keyedEventId` over the same definition, key
 * and created that parseActivity reads), any other the given fresh id.
 */
export function acknowledgedEventId(raw: unknown, instanceId: string, kind: string, now: Date, fresh: string): string {
  if (!isObject(raw)) return fresh;
  const key = raw['key'];
  if (typeof key !== 'string' || key === '' || key.length > 255) return fresh;
  const name = definitionNameOf(raw['activity_id']);
  if (!name) return fresh;
  const rawCreated = raw['created'];
  let created = now;
  if (rawCreated !== undefined && rawCreated !== null) {
    const ms = typeof rawCreated === 'string' ? isoDateTimeMs(rawCreated) : NaN;
    if (Number.isNaN(ms)) return fresh;
    created = new Date(ms);
  }
  return keyedEventId(instanceId, kind, name, key, created);
}

/**
 * The `fields` of a person/merge or accounts/merge record, by the same rules as an activity's
 * (built-in and custom fields, value types, liberal shapes).
 */
export function parseRecordFields(
  raw: unknown, subject: Subject, customTypes: ReadonlyMap<string, FieldType>,
): Result<ParsedFields> {
  return parseFields(raw, { subject, customTypes } as ParseContext);
}
