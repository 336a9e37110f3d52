// Instances (tenants) and their API keys. Keys are stored as sha256 hashes: they are long random
// secrets, so a fast hash is enough and a lookup by hash is one index probe.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { newId } from '../domain/ids.js';
import type { MergeStrategy } from '../domain/merge.js';
import type { Sql } from './db.js';

export interface KeySettings {
  personMergeBy: string[];
  accountMergeBy: string[];
  mergeStrategy: MergeStrategy;
}

export const DEFAULT_KEY_SETTINGS: KeySettings = {
  personMergeBy: ['str::email'],
  accountMergeBy: ['str:o:name'],
  mergeStrategy: 2,
};

export interface InstanceSettings {
  maxCustomActivities?: number | null;
  activityDailyLimit?: number | null;
  /** Ortto response profile (docs | production-2025); null = the server's ORTTO_PROFILE. */
  profile?: string | null;
}

/** What a valid API key gives a request. */
export interface AuthContext extends KeySettings {
  instanceId: string;
  keyId: string;
  /** null = the server default */
  maxCustomActivities: number | null;
  activityDailyLimit: number | null;
  /** The instance's Ortto response profile; null = the server default. */
  profile: string | null;
}

export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export function generateKey(): string {
  return 'acdp_' + randomBytes(30).toString('base64url');
}

function keyPrefix(key: string): string {
  return key.slice(0, 10);
}

export async function createInstance(sql: Sql, name: string, settings: InstanceSettings = {}): Promise<string> {
  const id = newId();
  await sql.query(
    'insert into instances (id, name, max_custom_activities, activity_daily_limit, profile) values ($1, $2, $3, $4, $5)',
    [id, name, settings.maxCustomActivities ?? null, settings.activityDailyLimit ?? null, settings.profile ?? null],
  );
  return id;
}

export async function instanceExists(sql: Sql, instanceId: string): Promise<boolean> {
  const rows = await sql.query('select 1 from instances where id = $1', [instanceId]);
  return rows.length > 0;
}

export async function updateInstanceSettings(sql: Sql, instanceId: string, settings: InstanceSettings): Promise<boolean> {
  const rows = await sql.query(
    `update instances set
       max_custom_activities = case when $2::boolean then $3::integer else max_custom_activities end,
       activity_daily_limit = case when $4::boolean then $5::integer else activity_daily_limit end,
       profile = case when $6::boolean then $7::text else profile end
     where id = $1 returning id`,
    [
      instanceId,
      settings.maxCustomActivities !== undefined, settings.maxCustomActivities ?? null,
      settings.activityDailyLimit !== undefined, settings.activityDailyLimit ?? null,
      settings.profile !== undefined, settings.profile ?? null,
    ],
  );
  return rows.length > 0;
}

export async function addApiKey(sql: Sql, instanceId: string, key: string, settings: KeySettings = DEFAULT_KEY_SETTINGS): Promise<string> {
  const id = newId();
  await sql.query(
    `insert into api_keys (instance_id, id, key_hash, key_prefix, person_merge_by, account_merge_by, merge_strategy)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [instanceId, id, hashKey(key), keyPrefix(key), settings.personMergeBy, settings.accountMergeBy, settings.mergeStrategy],
  );
  return id;
}

export async function keyExists(sql: Sql, key: string): Promise<boolean> {
  const rows = await sql.query('select 1 from api_keys where key_hash = $1', [hashKey(key)]);
  return rows.length > 0;
}

interface AuthRow {
  instance_id: string;
  id: string;
  key_hash: Uint8Array;
  person_merge_by: string[];
  account_merge_by: string[];
  merge_strategy: number;
  max_custom_activities: number | null;
  activity_daily_limit: number | null;
  profile: string | null;
}

export async function authenticate(sql: Sql, key: string): Promise<AuthContext | undefined> {
  const hash = hashKey(key);
  const rows = await sql.query<AuthRow>(
    `select k.instance_id, k.id, k.key_hash, k.person_merge_by, k.account_merge_by, k.merge_strategy,
            i.max_custom_activities, i.activity_daily_limit, i.profile
       from api_keys k join instances i on i.id = k.instance_id
      where k.key_hash = $1 and k.revoked_at is null`,
    [hash],
    'authenticate',
  );
  const row = rows[0];
  if (!row) return undefined;
  const stored = Buffer.from(row.key_hash);
  if (stored.length !== hash.length || !timingSafeEqual(stored, hash)) return undefined;
  return {
    instanceId: row.instance_id,
    keyId: row.id,
    personMergeBy: row.person_merge_by,
    accountMergeBy: row.account_merge_by,
    mergeStrategy: row.merge_strategy as MergeStrategy,
    maxCustomActivities: row.max_custom_activities,
    activityDailyLimit: row.activity_daily_limit,
    profile: row.profile,
  };
}

export interface KeyListing {
  id: string;
  instanceId: string;
  instanceName: string;
  prefix: string;
  personMergeBy: string[];
  accountMergeBy: string[];
  mergeStrategy: number;
  createdAt: Date;
  revokedAt: Date | null;
}

export async function listKeys(sql: Sql): Promise<KeyListing[]> {
  const rows = await sql.query<{
    id: string; instance_id: string; name: string; key_prefix: string; person_merge_by: string[];
    account_merge_by: string[]; merge_strategy: number; created_at: Date; revoked_at: Date | null;
  }>(
    `select k.id, k.instance_id, i.name, k.key_prefix, k.person_merge_by, k.account_merge_by, k.merge_strategy,
            k.created_at, k.revoked_at
       from api_keys k join instances i on i.id = k.instance_id
      order by k.created_at, k.id`,
  );
  return rows.map((r) => ({
    id: r.id, instanceId: r.instance_id, instanceName: r.name, prefix: r.key_prefix,
    personMergeBy: r.person_merge_by, accountMergeBy: r.account_merge_by, mergeStrategy: r.merge_strategy,
    createdAt: r.created_at, revokedAt: r.revoked_at,
  }));
}

/** Revokes by key id or by the key itself. Returns whether a live key was revoked. */
export async function revokeKey(sql: Sql, idOrKey: string): Promise<boolean> {
  const rows = await sql.query(
    `update api_keys set revoked_at = now()
      where (id = $1 or key_hash = $2) and revoked_at is null returning id`,
    [idOrKey, hashKey(idOrKey)],
  );
  return rows.length > 0;
}

export async function countInstances(sql: Sql): Promise<number> {
  const rows = await sql.query<{ n: number }>('select count(*)::integer as n from instances');
  return rows[0]?.n ?? 0;
}
