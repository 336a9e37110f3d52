// Instances (tenants) and their API keys. A key is stored as a slow hash (scrypt, scheme
// 'scrypt1') of the whole key; the hash is deterministic, so a look-up is still one index probe,
// and no character of the key is kept in clear (a key is known by its id). The scrypt of a key
// that authenticated once is kept in memory under its sha256, so a request costs one sha256.
// Rows from before (scheme 'sha256') are verified by their sha256 and re-hashed on first use.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { newId } from '../domain/ids.js';
import type { InstanceLimits } from '../domain/limits.js';
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

/** What a valid API key gives a request (its instance's own limits: null = the server default). */
export interface AuthContext extends KeySettings, InstanceLimits {
  instanceId: string;
  keyId: string;
  /** The instance's Ortto response profile; null = the server default. */
  profile: string | null;
}

/** The legacy hash (scheme 'sha256'), and the key of the in-memory cache. */
export function sha256Key(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

// scrypt N=2^14, r=8, p=1 (16 MiB, tens of ms): slow enough for offline guessing of a weak
// bootstrap key; keys made by the server are 240 random bits anyway. A fixed salt keeps the hash
// usable as the look-up index (no per-key salt: the key is the only input an attacker lacks).
const SCRYPT_SALT = 'activity-cdp/api-key/scrypt1';
const SCRYPT_OPTIONS = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const verified = new Map<string, Buffer>();
const MAX_CACHED = 10_000;

/** Hashes of the keys a start names (hashKeysAhead), by sha256Key: a few, kept for the process. */
const hashedAhead = new Map<string, Promise<Buffer>>();

function scryptKey(key: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(key, SCRYPT_SALT, 32, SCRYPT_OPTIONS, (error, derived) => (error ? reject(error) : resolve(derived))));
}

/** The stored hash of a key (scheme 'scrypt1'). */
export async function hashKey(key: string): Promise<Buffer> {
  const cacheKey = sha256Key(key).toString('base64');
  const cached = verified.get(cacheKey) ?? hashedAhead.get(cacheKey);
  if (cached) return cached;
  return scryptKey(key);
}

/**
 * Starts hashing the keys a start will use (bootstrap and emulator keys) on libuv's threads while
 * the store opens, so the key checks, the new instances' keys and the first request with each of
 * them wait for no scrypt of their own (three on the emulator's way to its first answer).
 */
export function hashKeysAhead(keys: readonly string[]): void {
  for (const key of keys) {
    const cacheKey = sha256Key(key).toString('base64');
    if (hashedAhead.has(cacheKey)) continue;
    const hash = scryptKey(key);
    hash.catch(() => hashedAhead.delete(cacheKey)); // never for these parameters; then hashKey hashes again
    hashedAhead.set(cacheKey, hash);
  }
}

function remember(key: string, hash: Buffer): void {
  if (verified.size >= MAX_CACHED) verified.clear();
  verified.set(sha256Key(key).toString('base64'), hash);
}

/** True when the key authenticated before in this process (cheap; no scrypt). */
export function isKnownKey(key: string): boolean {
  return verified.has(sha256Key(key).toString('base64'));
}

/** A long random key: 240 random bits, base64url. */
export function generateKey(): string {
  return 'acdp_' + randomBytes(30).toString('base64url');
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
  const hash = await hashKey(key);
  await sql.query(
    `insert into api_keys (instance_id, id, key_hash, hash_scheme, person_merge_by, account_merge_by, merge_strategy)
     values ($1, $2, $3, 'scrypt1', $4, $5, $6)`,
    [instanceId, id, hash, settings.personMergeBy, settings.accountMergeBy, settings.mergeStrategy],
  );
  return id;
}

export async function keyExists(sql: Sql, key: string): Promise<boolean> {
  const rows = await sql.query(
    `select 1 from api_keys where (key_hash = $1 and hash_scheme = 'scrypt1') or (key_hash = $2 and hash_scheme = 'sha256')`,
    [await hashKey(key), sha256Key(key)],
  );
  return rows.length > 0;
}

interface AuthRow {
  instance_id: string;
  id: string;
  key_hash: Uint8Array;
  hash_scheme: string;
  person_merge_by: string[];
  account_merge_by: string[];
  merge_strategy: number;
  max_custom_activities: number | null;
  activity_daily_limit: number | null;
  profile: string | null;
}

export async function authenticate(sql: Sql, key: string): Promise<AuthContext | undefined> {
  const [hash, legacy] = [await hashKey(key), sha256Key(key)];
  const rows = await sql.query<AuthRow>(
    `select k.instance_id, k.id, k.key_hash, k.hash_scheme, k.person_merge_by, k.account_merge_by, k.merge_strategy,
            i.max_custom_activities, i.activity_daily_limit, i.profile
       from api_keys k join instances i on i.id = k.instance_id
      where k.key_hash = any($1::bytea[]) and k.revoked_at is null`,
    [[hash, legacy]],
    'authenticate',
  );
  const row = rows.find((r) => {
    const expected = r.hash_scheme === 'scrypt1' ? hash : r.hash_scheme === 'sha256' ? legacy : undefined;
    const stored = Buffer.from(r.key_hash);
    return expected !== undefined && stored.length === expected.length && timingSafeEqual(stored, expected);
  });
  if (!row) return undefined;
  if (row.hash_scheme === 'sha256') {
    // The key is at hand: replace its legacy hash (a concurrent upgrade does the same).
    await sql.query(`update api_keys set key_hash = $3, hash_scheme = 'scrypt1' where instance_id = $1 and id = $2 and hash_scheme = 'sha256'`,
      [row.instance_id, row.id, hash]);
  }
  remember(key, hash);
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
  personMergeBy: string[];
  accountMergeBy: string[];
  mergeStrategy: number;
  createdAt: Date;
  revokedAt: Date | null;
}

export async function listKeys(sql: Sql): Promise<KeyListing[]> {
  const rows = await sql.query<{
    id: string; instance_id: string; name: string; person_merge_by: string[];
    account_merge_by: string[]; merge_strategy: number; created_at: Date; revoked_at: Date | null;
  }>(
    `select k.id, k.instance_id, i.name, k.person_merge_by, k.account_merge_by, k.merge_strategy,
            k.created_at, k.revoked_at
       from api_keys k join instances i on i.id = k.instance_id
      order by k.created_at, k.id`,
  );
  return rows.map((r) => ({
    id: r.id, instanceId: r.instance_id, instanceName: r.name,
    personMergeBy: r.person_merge_by, accountMergeBy: r.account_merge_by, mergeStrategy: r.merge_strategy,
    createdAt: r.created_at, revokedAt: r.revoked_at,
  }));
}

/** Revokes by key id or by the key itself. Returns whether a live key was revoked. */
export async function revokeKey(sql: Sql, idOrKey: string): Promise<boolean> {
  const rows = await sql.query(
    `update api_keys set revoked_at = now()
      where (id = $1 or key_hash = any($2::bytea[])) and revoked_at is null returning id`,
    [idOrKey, [await hashKey(idOrKey), sha256Key(idOrKey)]],
  );
  return rows.length > 0;
}

/** The instance's own limits (null = the server's), or undefined when there is no such instance. */
export async function instanceLimits(sql: Sql, instanceId: string): Promise<InstanceLimits | undefined> {
  const rows = await sql.query<{ max_custom_activities: number | null; activity_daily_limit: number | null }>(
    'select max_custom_activities, activity_daily_limit from instances where id = $1', [instanceId], 'instance_limits',
  );
  const row = rows[0];
  return row && { maxCustomActivities: row.max_custom_activities, activityDailyLimit: row.activity_daily_limit };
}

/** Locks the instance's row to the end of the transaction: serializes changes that count or name things per instance. */
export async function lockInstance(tx: Sql, instanceId: string): Promise<void> {
  await tx.query('select id from instances where id = $1 for update', [instanceId]);
}

export async function countInstances(sql: Sql): Promise<number> {
  const rows = await sql.query<{ n: number }>('select count(*)::integer as n from instances');
  return rows[0]?.n ?? 0;
}
