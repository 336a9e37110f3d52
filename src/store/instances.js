// Instances (tenants) and their API keys. Keys are stored as sha256 hashes: they are long random
// secrets, so a fast hash is enough and a lookup by hash is one index probe.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { newId } from '../domain/ids.js';
export const DEFAULT_KEY_SETTINGS = {
    personMergeBy: ['str::email'],
    accountMergeBy: ['str:o:name'],
    mergeStrategy: 2,
};
export function hashKey(key) {
    return createHash('sha256').update(key, 'utf8').digest();
}
export function generateKey() {
    return 'acdp_' + randomBytes(30).toString('base64url');
}
function keyPrefix(key) {
    return key.slice(0, 10);
}
export async function createInstance(sql, name, settings = {}) {
    const id = newId();
    await sql.query('insert into instances (id, name, max_custom_activities, activity_daily_limit) values ($1, $2, $3, $4)', [id, name, settings.maxCustomActivities ?? null, settings.activityDailyLimit ?? null]);
    return id;
}
export async function instanceExists(sql, instanceId) {
    const rows = await sql.query('select 1 from instances where id = $1', [instanceId]);
    return rows.length > 0;
}
export async function updateInstanceSettings(sql, instanceId, settings) {
    const rows = await sql.query(`update instances set
       max_custom_activities = case when $2::boolean then $3::integer else max_custom_activities end,
       activity_daily_limit = case when $4::boolean then $5::integer else activity_daily_limit end
     where id = $1 returning id`, [
        instanceId,
        settings.maxCustomActivities !== undefined, settings.maxCustomActivities ?? null,
        settings.activityDailyLimit !== undefined, settings.activityDailyLimit ?? null,
    ]);
    return rows.length > 0;
}
export async function addApiKey(sql, instanceId, key, settings = DEFAULT_KEY_SETTINGS) {
    const id = newId();
    await sql.query(`insert into api_keys (instance_id, id, key_hash, key_prefix, person_merge_by, account_merge_by, merge_strategy)
     values ($1, $2, $3, $4, $5, $6, $7)`, [instanceId, id, hashKey(key), keyPrefix(key), settings.personMergeBy, settings.accountMergeBy, settings.mergeStrategy]);
    return id;
}
export async function keyExists(sql, key) {
    const rows = await sql.query('select 1 from api_keys where key_hash = $1', [hashKey(key)]);
    return rows.length > 0;
}
export async function authenticate(sql, key) {
    const hash = hashKey(key);
    const rows = await sql.query(`select k.instance_id, k.id, k.key_hash, k.person_merge_by, k.account_merge_by, k.merge_strategy,
            i.max_custom_activities, i.activity_daily_limit
       from api_keys k join instances i on i.id = k.instance_id
      where k.key_hash = $1 and k.revoked_at is null`, [hash], 'authenticate');
    const row = rows[0];
    if (!row)
        return undefined;
    const stored = Buffer.from(row.key_hash);
    if (stored.length !== hash.length || !timingSafeEqual(stored, hash))
        return undefined;
    return {
        instanceId: row.instance_id,
        keyId: row.id,
        personMergeBy: row.person_merge_by,
        accountMergeBy: row.account_merge_by,
        mergeStrategy: row.merge_strategy,
        maxCustomActivities: row.max_custom_activities,
        activityDailyLimit: row.activity_daily_limit,
    };
}
export async function listKeys(sql) {
    const rows = await sql.query(`select k.id, k.instance_id, i.name, k.key_prefix, k.person_merge_by, k.account_merge_by, k.merge_strategy,
            k.created_at, k.revoked_at
       from api_keys k join instances i on i.id = k.instance_id
      order by k.created_at, k.id`);
    return rows.map((r) => ({
        id: r.id, instanceId: r.instance_id, instanceName: r.name, prefix: r.key_prefix,
        personMergeBy: r.person_merge_by, accountMergeBy: r.account_merge_by, mergeStrategy: r.merge_strategy,
        createdAt: r.created_at, revokedAt: r.revoked_at,
    }));
}
/** Revokes by key id or by the key itself. Returns whether a live key was revoked. */
export async function revokeKey(sql, idOrKey) {
    const rows = await sql.query(`update api_keys set revoked_at = now()
      where (id = $1 or key_hash = $2) and revoked_at is null returning id`, [idOrKey, hashKey(idOrKey)]);
    return rows.length > 0;
}
export async function countInstances(sql) {
    const rows = await sql.query('select count(*)::integer as n from instances');
    return rows[0]?.n ?? 0;
}
