// Forward-only numbered SQL migrations (src/store/migrations/NNNN_name.sql), each applied in its
// own transaction under an advisory lock, so nodes that start at once apply each exactly once.
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../package-root.js';
/** Arbitrary constant: the advisory lock key that serializes migrations across processes. */
const MIGRATION_LOCK_KEY = 7_272_031_001;
export function migrationsDir() {
    return path.join(packageRoot(), 'src', 'store', 'migrations');
}
export function loadMigrations(dir = migrationsDir()) {
    const files = fs.readdirSync(dir).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
    return files.map((file, i) => {
        const version = Number(file.slice(0, 4));
        if (version !== i + 1)
            throw new Error(`migration ${file} is out of sequence: expected ${String(i + 1).padStart(4, '0')}`);
        return { version, name: file.replace(/\.sql$/, ''), sql: fs.readFileSync(path.join(dir, file), 'utf8') };
    });
}
/** Versions already applied, or none when the table does not exist yet. One statement. */
async function appliedVersions(db) {
    const exists = await db.query("select to_regclass('schema_migrations')::text as t");
    if (!exists[0]?.t)
        return new Set();
    const rows = await db.query('select version from schema_migrations');
    return new Set(rows.map((r) => r.version));
}
export async function migrate(db, migrations = loadMigrations()) {
    // The common start (nothing to apply) costs two quick reads, not a locked transaction per migration.
    const done = await appliedVersions(db);
    const pending = migrations.filter((m) => !done.has(m.version));
    let applied = 0;
    for (const migration of pending) {
        const done = await db.transaction(async (tx) => {
            await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
            await tx.exec(`create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now())`);
            const rows = await tx.query('select 1 from schema_migrations where version = $1', [migration.version]);
            if (rows.length > 0)
                return false;
            await tx.exec(migration.sql);
            await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [migration.version, migration.name]);
            return true;
        });
        if (done)
            applied++;
    }
    return applied;
}
