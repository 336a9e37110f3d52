// ActivityClient: one client for Ortto itself (by region) or any activity-cdp server (baseUrl).
import { createInBatches, type CreateActivitiesOptions, type Outcome } from './batch.js';
import type { AccountActivity, ActivityFieldId, PersonActivity } from './field-ids.js';
import type { AccountActivityResult, Operations, PersonActivityResult } from './generated/types.js';
import { requestJson, type FetchLike, type RequestOptions, type TransportSettings } from './transport.js';

export type Region = 'default' | 'au' | 'eu';

/** Ortto's hosts by region. */
export const REGION_BASE_URLS: Readonly<Record<Region, string>> = {
  default: 'https://api.ap3api.com',
  au: 'https://api.au.ap3api.com',
  eu: 'https://api.eu.ap3api.com',
};

export interface ActivityClientOptions {
  /** The custom API key, sent as X-Api-Key. */
  apiKey: string;
  /** Ortto's region (default "default"); ignored when baseUrl is given. */
  region?: Region;
  /** Any other server, e.g. "http://localhost:8080" for activity-cdp. */
  baseUrl?: string;
  /** Per attempt, until the whole answer is read (default 30 000 ms). */
  timeoutMs?: number;
  /** Retries after the first attempt, for network errors, timeouts, 5xx and 429 only (default 3). */
  maxRetries?: number;
  /** First retry back-off (default 500 ms); doubles per retry with jitter, up to 8 s. */
  retryBackoffMs?: number;
  /** A 429 asking to wait longer than this is returned instead of waited out (default 60 000 ms). */
  maxRetryDelayMs?: number;
  /** A fetch implementation (default: the global fetch). */
  fetch?: FetchLike;
}

/** "METHOD /path" of every route the server documents (generated from its OpenAPI document). */
export type Endpoint = keyof Operations;
type BodyOf<E extends Endpoint> = Operations[E]['body'];
type AnswerOf<E extends Endpoint> = Operations[E]['response'];

export class ActivityClient {
  readonly baseUrl: string;
  private readonly settings: TransportSettings;

  constructor(options: ActivityClientOptions) {
    if (!options || typeof options.apiKey !== 'string' || options.apiKey === '') {
      throw new TypeError('ActivityClient needs an apiKey');
    }
    const region = options.region ?? 'default';
    if (!(region in REGION_BASE_URLS)) throw new TypeError(`region must be one of: ${Object.keys(REGION_BASE_URLS).join(', ')}`);
    this.baseUrl = (options.baseUrl ?? REGION_BASE_URLS[region]).replace(/\/+$/, '');
    if (!options.fetch && typeof globalThis.fetch !== 'function') {
      throw new TypeError('no global fetch: pass options.fetch (Node >= 18 and browsers have one)');
    }
    this.settings = {
      baseUrl: this.baseUrl,
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs ?? 30_000,
      maxRetries: Math.max(0, options.maxRetries ?? 3),
      backoffMs: options.retryBackoffMs ?? 500,
      maxBackoffMs: 8_000,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 60_000,
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    };
  }

  /** One call to any path, untyped (for routes this SDK does not know); see `call` for the typed form. */
  request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    return requestJson<T>(this.settings, method, path, body === undefined ? undefined : JSON.stringify(body), options);
  }

  /**
   * A call to a documented endpoint, e.g. `call('POST /v1/person/get', {limit: 10})`, typed by the
   * server's own schemas. The methods below are built on it, so a route renamed or removed on the
   * server makes them fail to compile.
   */
  call<E extends Endpoint>(endpoint: E, body: BodyOf<E>, options?: RequestOptions): Promise<AnswerOf<E>> {
    const space = endpoint.indexOf(' ');
    return requestJson<AnswerOf<E>>(this.settings, endpoint.slice(0, space), endpoint.slice(space + 1),
      body === undefined ? undefined : JSON.stringify(body), options);
  }

  readonly definitions = {
    /** POST /v1/definitions/activity/create */
    create: (body: BodyOf<'POST /v1/definitions/activity/create'>, options?: RequestOptions) =>
      this.call('POST /v1/definitions/activity/create', body, options),
    /** PUT /v1/definitions/activity/modify (activity-cdp's extension) */
    modify: (body: BodyOf<'PUT /v1/definitions/activity/modify'> & { activity_field_id: ActivityFieldId }, options?: RequestOptions) =>
      this.call('PUT /v1/definitions/activity/modify', body, options),
    /** DELETE /v1/definitions/activity/delete: archives the definition (its events stay). */
    archive: (activityFieldId: ActivityFieldId, options?: RequestOptions) =>
      this.call('DELETE /v1/definitions/activity/delete', { activity_field_id: activityFieldId }, options),
  };

  readonly instanceSchema = {
    /** POST /v1/instance-schema/get: the instance's fields and activity definitions. */
    get: (body: BodyOf<'POST /v1/instance-schema/get'> = { namespaces: [] }, options?: RequestOptions) =>
      this.call('POST /v1/instance-schema/get', body, options),
  };

  readonly activities = {
    /**
     * POST /v1/activities/create for any number of person activity events: see
     * CreateActivitiesOptions. Resolves to one outcome per activity, in input order; it rejects
     * only when the caller's code throws (never for a failed request: that is an outcome).
     */
    create: (activities: readonly PersonActivity[], options: CreateActivitiesOptions = {}): Promise<Array<Outcome<PersonActivityResult>>> =>
      createInBatches<PersonActivity, PersonActivityResult>(activities, options, (body, signal) =>
        requestJson<AnswerOf<'POST /v1/activities/create'>>(this.settings, 'POST', '/v1/activities/create', body, { signal })),
    /**
     * POST /v1/activities/dead-letters/get (activity-cdp's extension; Ortto has no such route):
     * queued activities that could not be applied, with their reasons, and the queue's depth.
     */
    deadLetters: (body: BodyOf<'POST /v1/activities/dead-letters/get'> = {}, options?: RequestOptions) =>
      this.call('POST /v1/activities/dead-letters/get', body, options),
  };

  readonly persons = {
    /** POST /v1/person/get: a page of people. */
    get: (body: BodyOf<'POST /v1/person/get'> = {}, options?: RequestOptions) =>
      this.call('POST /v1/person/get', body, options),
    /** POST /v1/person/get/activities: a page of one person's activity events. */
    getActivities: (body: BodyOf<'POST /v1/person/get/activities'>, options?: RequestOptions) =>
      this.call('POST /v1/person/get/activities', body, options),
    /**
     * POST /v1/person/merge: create or update up to 100 people without an activity
     * ({people: [{person_id, status: created | merged | skipped}]}). All invalid: an ActivityCdpError (400, bad_request).
     */
    merge: (body: BodyOf<'POST /v1/person/merge'>, options?: RequestOptions) =>
      this.call('POST /v1/person/merge', body, options),
  };

  readonly accounts = {
    /** POST /v1/accounts/get: a page of accounts. */
    get: (body: BodyOf<'POST /v1/accounts/get'> = {}, options?: RequestOptions) =>
      this.call('POST /v1/accounts/get', body, options),
    /** POST /v1/accounts/get/activities: a page of one account's activity events. */
    getActivities: (body: BodyOf<'POST /v1/accounts/get/activities'>, options?: RequestOptions) =>
      this.call('POST /v1/accounts/get/activities', body, options),
    /** POST /v1/accounts/merge: create or update up to 100 accounts without an activity. */
    merge: (body: BodyOf<'POST /v1/accounts/merge'>, options?: RequestOptions) =>
      this.call('POST /v1/accounts/merge', body, options),
    activities: {
      /** POST /v1/accounts/activities/create for any number of account activity events. */
      create: (activities: readonly AccountActivity[], options: CreateActivitiesOptions = {}): Promise<Array<Outcome<AccountActivityResult>>> =>
        createInBatches<AccountActivity, AccountActivityResult>(activities, options, (body, signal) =>
          requestJson<AnswerOf<'POST /v1/accounts/activities/create'>>(this.settings, 'POST', '/v1/accounts/activities/create', body, { signal })),
    },
  };
}

// The typed activity shapes must fit the documented request items, so the batching methods stay
// tied to the routes too.
type Fits<A, B extends A> = B;
type _PersonItems = Fits<BodyOf<'POST /v1/activities/create'>['activities'][number], PersonActivity>;
type _AccountItems = Fits<BodyOf<'POST /v1/accounts/activities/create'>['activities'][number], AccountActivity>;

/** Counts outcomes by status, e.g. {ingested: 240, invalid: 10}. */
export function countByStatus(outcomes: ReadonlyArray<{ status: string }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
  return counts;
}
