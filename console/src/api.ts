// The console's only data access: the public JSON API (/v1/…, as the SDK uses it), the live stream
// and the emulator's journal, with the key from the session. It reads both shapes the server may
// answer: person/get with or without `cursor_id` (keyset) paging and `meta`, and instance-schema/get
// as a list of namespaces (namespace_id, fields[], activities[]) or Ortto's object shape
// ({"namespaces": {"": {"fields": {...}}}} with custom activities as act:cm:* fields).
import { getKey } from './session';

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

type Json = any;

async function call<T = Json>(method: string, path: string, body?: unknown, key = getKey()): Promise<T> {
  if (!key) throw new ApiError(401, 'not signed in');
  const headers: Record<string, string> = { 'x-api-key': key };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'the server cannot be reached');
  }
  const text = await res.text();
  let json: Json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = json?.error;
    const message = typeof e === 'string' ? e : typeof e?.message === 'string' ? e.message : `HTTP ${res.status}`;
    throw new ApiError(res.status, message);
  }
  return json as T;
}

// ---- sign-in ----

/** Checks a key against the API; resolves when it is valid. */
export async function checkKey(key: string): Promise<void> {
  await call('POST', '/v1/instance-schema/get', { namespaces: ['cm'] }, key);
}

// ---- schema: fields and activity definitions ----

export interface FieldInfo {
  id: string;
  name: string;
  displayType: string;
  builtIn: boolean;
}

export interface AttributeInfo {
  name: string;
  displayType: string;
  fieldId: string;
  liquidName: string;
  mappedFieldId?: string;
}

export interface DefinitionInfo {
  fieldId: string;
  name: string;
  state: string;
  iconId: string;
  archived: boolean;
  flags: { touch?: boolean; filterable?: boolean; visibleInFeeds?: boolean; trackConversionValue?: boolean };
  displayMode: unknown;
  attributes: AttributeInfo[];
  eventCount?: number;
  lastEventAt?: string | null;
  createdAt?: string;
}

export interface Schema {
  fields: Map<string, FieldInfo>;
  definitions: DefinitionInfo[];
}

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const boolOrUndef = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

function definitionOf(raw: Json, fieldIdFallback = ''): DefinitionInfo {
  const attributes: AttributeInfo[] = (Array.isArray(raw?.attributes) ? raw.attributes : Object.values(raw?.attributes ?? {})).map((a: Json) => ({
    name: str(a?.name),
    displayType: str(a?.display_type),
    fieldId: str(a?.field_id ?? a?.id),
    liquidName: str(a?.liquid_name),
    ...(typeof a?.mapped_field_id === 'string' ? { mappedFieldId: a.mapped_field_id } : {}),
  }));
  const count = raw?.event_count;
  return {
    fieldId: str(raw?.activity_field_id ?? raw?.field_id ?? raw?.id, fieldIdFallback),
    name: str(raw?.name, fieldIdFallback),
    state: str(raw?.state, raw?.archived ? 'archived' : 'unknown'),
    iconId: str(raw?.icon_id, 'tag-icon'),
    archived: raw?.archived === true || raw?.state === 'archived',
    flags: {
      touch: boolOrUndef(raw?.touch),
      filterable: boolOrUndef(raw?.filterable),
      visibleInFeeds: boolOrUndef(raw?.visible_in_feeds),
      trackConversionValue: boolOrUndef(raw?.track_conversion_value),
    },
    displayMode: raw?.display_mode ?? raw?.display_style,
    attributes,
    ...(typeof count === 'number' ? { eventCount: count } : typeof count === 'string' ? { eventCount: Number(count) } : {}),
    ...(raw?.last_event_at !== undefined ? { lastEventAt: raw.last_event_at } : {}),
    ...(typeof raw?.created_at === 'string' ? { createdAt: raw.created_at } : {}),
  };
}

/**
 * An act:cm:* field of Ortto's object shape. This server also nests the definition as its
 * endpoints answer it (`custom_activity`: state, icon, flags, display mode, mapped fields); the
 * field's own name, archived mark and event stats stand over it.
 */
function activityEntry(f: Json): Json {
  const view = f?.custom_activity;
  if (!view || typeof view !== 'object') return f;
  return {
    ...view,
    ...(typeof f?.id === 'string' ? { activity_field_id: f.id } : {}),
    ...(typeof f?.name === 'string' ? { name: f.name } : {}),
    ...(f?.archived === true ? { archived: true } : {}),
    ...(f?.event_count !== undefined ? { event_count: f.event_count } : {}),
    ...(f?.last_event_at !== undefined ? { last_event_at: f.last_event_at } : {}),
  };
}

export function normalizeSchema(answer: Json): Schema {
  const fields = new Map<string, FieldInfo>();
  const definitions: DefinitionInfo[] = [];
  const ns = answer?.namespaces;
  if (Array.isArray(ns)) {
    for (const n of ns) {
      for (const f of n?.fields ?? []) {
        const id = str(f?.field_id ?? f?.id);
        if (id) fields.set(id, { id, name: str(f?.name, id), displayType: str(f?.display_type), builtIn: f?.built_in === true });
      }
      for (const a of n?.activities ?? []) definitions.push(definitionOf(a));
    }
  } else if (ns && typeof ns === 'object') {
    for (const [nsId, n] of Object.entries<Json>(ns)) {
      const entries = Array.isArray(n?.fields) ? n.fields.map((f: Json) => [str(f?.id ?? f?.field_id), f]) : Object.entries<Json>(n?.fields ?? {});
      for (const [id, f] of entries as Array<[string, Json]>) {
        if (id.startsWith('act:')) {
          // Custom activities only: Ortto's own (act::…) are not this instance's definitions.
          if (/^act:(cm|oc):/.test(id)) definitions.push(definitionOf(activityEntry(f), id));
          continue;
        }
        fields.set(id, { id, name: str(f?.name, id), displayType: str(f?.display_type), builtIn: nsId === '' || nsId === 'o' });
      }
      for (const a of n?.activities ?? []) definitions.push(definitionOf(a));
    }
  }
  return { fields, definitions };
}

export async function getSchema(): Promise<Schema> {
  try {
    return normalizeSchema(await call('POST', '/v1/instance-schema/get', { namespaces: [], event_stats: true }));
  } catch (e) {
    // A server without the event_stats extension that refuses unknown elements: ask without it.
    if (e instanceof ApiError && e.status === 400) return normalizeSchema(await call('POST', '/v1/instance-schema/get', { namespaces: [] }));
    throw e;
  }
}

// ---- persons and accounts ----

export type Kind = 'person' | 'account';

export interface RecordRow {
  id: string;
  fields: Record<string, unknown>;
  createdAt?: string;
  firstSeenAt?: string;
  lastSeenAt?: string;
}

/** Where the next page starts: the server's keyset cursor when it gives one, else an offset. */
export type PageToken = { cursor_id: string } | { offset: number };

export interface RecordPage {
  rows: RecordRow[];
  next: PageToken | null;
  total?: number;
}

const SEARCH_FIELDS: Record<Kind, string[]> = {
  person: ['str::email', 'str::first', 'str::last', 'str::name'],
  account: ['str:o:name', 'str:o:website'],
};

export function searchFilter(kind: Kind, text: string): Json | undefined {
  const value = text.trim();
  if (!value) return undefined;
  if (kind === 'person' && value.includes('@')) return { '$str::contains': { field_id: 'str::email', value: value.toLowerCase() } };
  return { $or: SEARCH_FIELDS[kind].map((field_id) => ({ '$str::contains': { field_id, value } })) };
}

function rowOf(r: Json): RecordRow {
  return {
    id: str(r?.id),
    fields: r?.fields && typeof r.fields === 'object' ? r.fields : {},
    ...(typeof r?.created_at === 'string' ? { createdAt: r.created_at } : {}),
    ...(typeof r?.first_seen_at === 'string' ? { firstSeenAt: r.first_seen_at } : {}),
    ...(typeof r?.last_seen_at === 'string' ? { lastSeenAt: r.last_seen_at } : {}),
  };
}

const LIST_PATH: Record<Kind, string> = { person: '/v1/person/get', account: '/v1/accounts/get' };

export async function listRecords(kind: Kind, opts: { search?: string; page?: PageToken; limit?: number }): Promise<RecordPage> {
  const filter = searchFilter(kind, opts.search ?? '');
  const body = { limit: opts.limit ?? 50, ...(filter ? { filter } : {}), ...(opts.page ?? {}) };
  const res = await call('POST', LIST_PATH[kind], body);
  const list: Json[] = res?.contacts ?? res?.accounts ?? [];
  const rows = list.map(rowOf);
  const hasMore = res?.has_more === true || (res?.has_more === undefined && typeof res?.cursor_id === 'string' && res.cursor_id !== '');
  const next: PageToken | null = !hasMore ? null
    : typeof res?.cursor_id === 'string' && res.cursor_id !== '' ? { cursor_id: res.cursor_id }
    : { offset: typeof res?.next_offset === 'number' ? res.next_offset : ((opts.page && 'offset' in opts.page ? opts.page.offset : 0) + rows.length) };
  const total = res?.meta?.total_matches ?? res?.meta?.total_contacts ?? res?.meta?.total_organizations;
  return { rows, next, ...(typeof total === 'number' ? { total } : {}) };
}

export async function getRecord(kind: Kind, id: string): Promise<RecordRow | undefined> {
  const field_id = kind === 'person' ? 'str::person_id' : 'str:o:organization_id';
  const res = await call('POST', LIST_PATH[kind], { limit: 1, filter: { '$str::is': { field_id, value: id } } });
  const first = (res?.contacts ?? res?.accounts ?? [])[0];
  return first && first.id === id ? rowOf(first) : undefined;
}

// ---- a record's activity feed ----

export interface FeedEvent {
  id: string;
  fieldId: string;
  createdAt: string;
  attr: Record<string, unknown>;
  location?: unknown;
  key?: string;
  title: string;
}

export interface FeedPage {
  events: FeedEvent[];
  total: number;
  nextOffset: number | null;
}

export async function getActivities(kind: Kind, id: string, opts: { offset?: number; limit?: number; activities?: string[] }): Promise<FeedPage> {
  const body = {
    [kind === 'person' ? 'person_id' : 'account_id']: id,
    limit: opts.limit ?? 20,
    offset: opts.offset ?? 0,
    ...(opts.activities && opts.activities.length > 0 ? { activities: opts.activities } : {}),
  };
  const res = await call('POST', kind === 'person' ? '/v1/person/get/activities' : '/v1/accounts/get/activities', body);
  const events: FeedEvent[] = (res?.activities ?? []).map((e: Json) => ({
    id: str(e?.id),
    fieldId: str(e?.field_id),
    createdAt: str(e?.created_at),
    attr: e?.attr && typeof e.attr === 'object' ? e.attr : {},
    ...(e?.location !== undefined ? { location: e.location } : {}),
    ...(typeof e?.key === 'string' ? { key: e.key } : {}),
    title: (Array.isArray(e?.render_cmds) ? e.render_cmds : []).map((c: Json) => str(c?.content)).join(''),
  }));
  const offset = typeof res?.offset === 'number' ? res.offset : (opts.offset ?? 0);
  const hasMore = res?.meta?.has_more === true;
  return {
    events,
    total: typeof res?.meta?.total_activities === 'number' ? res.meta.total_activities : events.length,
    nextOffset: hasMore ? (typeof res?.next_offset === 'number' ? res.next_offset : offset + events.length) : null,
  };
}

/** How many events a record holds (the feed's meta), for the list's activity-count column. */
export async function countActivities(kind: Kind, id: string): Promise<number> {
  return (await getActivities(kind, id, { limit: 1 })).total;
}

// ---- dead letters and the emulator's journal ----

export async function getDeadLetters(offset: number, limit = 50): Promise<{ items: Json[]; total: number; queued: number }> {
  const res = await call('POST', '/v1/activities/dead-letters/get', { limit, offset });
  return { items: res?.dead_letters ?? [], total: res?.total ?? 0, queued: res?.queued_requests ?? 0 };
}

/** The emulator's request journal; undefined when this server is not in emulator mode (404). */
export async function getJournal(): Promise<Json[] | undefined> {
  try {
    const res = await call('GET', '/_emulator/requests?limit=200');
    return Array.isArray(res?.requests) ? res.requests : [];
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
}

// ---- the live stream ----

export interface LiveBatch {
  request_id: string | null;
  kind: Kind;
  mode: 'sync' | 'async' | 'worker';
  at: string;
  items: Json[];
}

/**
 * Reads GET /_stream/activities with fetch (the key goes in a header, which EventSource cannot
 * send) and calls onBatch for each batch. Resolves when the stream ends; abort with the signal.
 */
export async function readLiveStream(signal: AbortSignal, onBatch: (b: LiveBatch) => void, onOpen: () => void): Promise<void> {
  const key = getKey();
  if (!key) throw new ApiError(401, 'not signed in');
  const res = await fetch('/_stream/activities', { headers: { 'x-api-key': key, accept: 'text/event-stream' }, signal, cache: 'no-store' });
  if (!res.ok || !res.body) {
    let message = `HTTP ${res.status}`;
    try {
      message = (await res.json()).error ?? message;
    } catch { /* not JSON */ }
    throw new ApiError(res.status, message);
  }
  onOpen();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of frame.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trimStart();
      }
      if (event === 'batch' && data) {
        try {
          onBatch(JSON.parse(data) as LiveBatch);
        } catch { /* a malformed frame is skipped */ }
      }
    }
  }
}
