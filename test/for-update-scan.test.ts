// Every SQL statement of the server that locks rows (`for update`, `for share`, ...) names its
// instance, so that on Citus it is routed to one shard (Citus refuses row locks spanning shards)
// and, on any store, one tenant's traffic never locks another's rows; the check is made for each
// locking SELECT of a statement (a CTE, a LATERAL subquery), not once per statement. And every
// write inside a statement with data-modifying CTEs names its instance (Citus runs such a
// statement as one when it is routed to one shard; a part spanning shards is planned apart, its
// row locks refused). Read from the source text.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { packageRoot } from '../src/package-root.js';

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(p, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** String and template literals of a TypeScript file (enough for SQL text; no nesting of `${`...`}`). */
function literals(text: string): string[] {
  return [...text.matchAll(/`(?:\\[\s\S]|[^`\\])*`|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"/g)].map((m) => m[0]);
}

const LOCKING = /\bfor\s+(no\s+key\s+)?(update|share|key\s+share)\b/i;
/** A condition on the instance: `instance_id = $n` or, on the instances table, `id = $n`. */
const NAMES_INSTANCE = /\binstance_id\s*=\s*\$\d+|\bfrom\s+instances\s+where\s+id\s*=\s*\$\d+/i;


/** Parenthesis depth before each character of a SQL text. */
function depths(sql: string): number[] {
  const out: number[] = [];
  let d = 0;
  for (const ch of sql) {
    out.push(d);
    if (ch === '(') d++;
    else if (ch === ')') d--;
  }
  return out;
}

/** The SELECT that a row lock at `at` belongs to: the nearest `select` before it at the same depth. */
function lockingScope(sql: string, at: number): string {
  const depth = depths(sql);
  const selects = [...sql.slice(0, at).matchAll(/\bselect\b/gi)].map((m) => m.index!).filter((i) => depth[i] === depth[at]);
  const start = selects.at(-1) ?? 0;
  return sql.slice(start, at);
}

/** The end of the parenthesized group that `at` is in (the text's end at the top level). */
function groupEnd(sql: string, at: number): number {
  const depth = depths(sql);
  for (let i = at; i < sql.length; i++) if (sql[i] === ')' && depth[i] === depth[at]) return i;
  return sql.length;
}

/** A statement with CTEs that writes: in a CTE (a data-modifying CTE) or in its main statement. */
const MODIFYING_WITH = /^[`'"]\s*with\b[\s\S]*\b(insert\s+into|update\s+\w+(\s+\w+)?\s+set|delete\s+from)\b/i;

const REFERENCE_TARGET = /^(instances|api_keys|schema_migrations)\b/i;

export function unscopedLocks(root: string): Array<{ file: string; sql: string }> {
  const found: Array<{ file: string; sql: string }> = [];
  for (const file of sourceFiles(root)) {
    for (const lit of literals(fs.readFileSync(file, 'utf8'))) {
      // Row locks belong to SELECT; a literal without one is prose (a comment's `for update`).
      if (!/\bselect\b/i.test(lit)) continue;
      const locks = [...lit.matchAll(new RegExp(LOCKING.source, 'gi'))];
      if (locks.length === 0 || locks.every((m) => NAMES_INSTANCE.test(lockingScope(lit, m.index!)))) continue;
      found.push({ file: path.relative(root, file), sql: lit.replace(/\s+/g, ' ') });
    }
  }
  return found;
}

/**
 * Statements with CTEs that write (in a CTE or in the main statement) whose writes do not all
 * name the instance: an update or
 * delete of a tenant table without `instance_id = $n` in its own part, or an insert whose first
 * column is not instance_id filled from a parameter.
 */
export function unroutedModifyingCtes(root: string): Array<{ file: string; sql: string; part: string }> {
  const found: Array<{ file: string; sql: string; part: string }> = [];
  for (const file of sourceFiles(root)) {
    for (const lit of literals(fs.readFileSync(file, 'utf8'))) {
      if (!MODIFYING_WITH.test(lit)) continue;
      const body = lit.slice(1, -1);
      // Writes, not `for update`, `for no key update` or `on conflict ... do update`.
      for (const m of body.matchAll(/(?<!\bfor\s+(?:no\s+key\s+)?|\bdo\s+)\b(insert\s+into|update|delete\s+from)\s+(\w+)/gi)) {
        if (REFERENCE_TARGET.test(m[2]!)) continue;
        const part = body.slice(m.index!, groupEnd(body, m.index!));
        const routed = /^insert/i.test(m[1]!)
          ? /^insert\s+into\s+\w+(\s+as\s+\w+)?\s*\(\s*instance_id\b[^)]*\)\s*(select|values\s*\()\s*\$\d+/i.test(part)
          : /\binstance_id\s*=\s*\$\d+/i.test(part);
        if (!routed) found.push({ file: path.relative(root, file), sql: lit.replace(/\s+/g, ' '), part: part.replace(/\s+/g, ' ') });
      }
    }
  }
  return found;
}

it('every row-locking statement in src/ filters on its instance', () => {
  const root = path.join(packageRoot(), 'src');
  const files = sourceFiles(root);
  const locking = files.flatMap((f) => literals(fs.readFileSync(f, 'utf8')).filter((l) => LOCKING.test(l)));
  assert.ok(locking.length >= 3, `the scan found the locking statements (${locking.length})`);
  assert.deepEqual(unscopedLocks(root), []);
});

it('every write of a statement with CTEs (data-modifying CTEs included) names its instance', () => {
  const root = path.join(packageRoot(), 'src');
  const modifying = sourceFiles(root).flatMap((f) => literals(fs.readFileSync(f, 'utf8')).filter((l) => MODIFYING_WITH.test(l)));
  assert.ok(modifying.length >= 5, `the scan found the statements with data-modifying CTEs (${modifying.length})`);
  assert.deepEqual(unroutedModifyingCtes(root), []);
});

it('the scan names a locking statement that does not filter on its instance', (t) => {
  const dir = fs.mkdtempSync(path.join(packageRoot(), '.cache-for-update-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'bad.ts'), [
    "const a = 'select id from records where id = $1 for update';",
    'const b = `select 1 from records where instance_id = $1 and id = $2 for update`;',
    "const c = 'select id from instances where id = $1 for update';",
    '// rows are claimed with `for update skip locked`',
    'const d = `select * from activity_events where kind = $1\n  for no key update skip locked`;',
    // One CTE names the instance, the other locks every tenant's rows.
    'const e = `with a as (select id from records where instance_id = $1 for update), b as (select id from ingest_queue order by id limit 1 for update skip locked) select * from a, b`;',
    'const f = `select r.id from (select id from ids) u cross join lateral (select id from records where instance_id = $1 and id = u.id for update) r`;',
  ].join('\n'));
  assert.deepEqual(unscopedLocks(dir).map((f) => f.sql), [
    "'select id from records where id = $1 for update'",
    '`select * from activity_events where kind = $1 for no key update skip locked`',
    '`with a as (select id from records where instance_id = $1 for update), b as (select id from ingest_queue order by id limit 1 for update skip locked) select * from a, b`',
  ]);
});

it('the scan names a data-modifying CTE whose write does not name its instance', (t) => {
  const dir = fs.mkdtempSync(path.join(packageRoot(), '.cache-modifying-cte-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'bad.ts'), [
    // Routed: each write names the instance (an insert by its first column, ON CONFLICT DO UPDATE is no write of its own).
    'const a = `with x as (insert into records (instance_id, id) select $1, v.id from unnest($2::text[]) as v(id) on conflict (instance_id, id) do update set id = excluded.id returning 1), y as (update records r set fields = $3 where r.instance_id = $1 and r.id = any($2) returning 1) select (select count(*) from x), (select count(*) from y)`;',
    // Not routed: a delete over every instance, an insert that takes instance_id from the data.
    'const b = `with gone as (delete from activity_events where created_at < $1 returning 1) select count(*) from gone`;',
    "const c = `with q as (insert into ingest_queue (kind, instance_id) select 'person', $1 returning 1) select count(*) from q`;",
    // A write to a reference table is not a tenant write; a statement without a modifying CTE is not looked at.
    "const d = `with k as (update api_keys set revoked_at = now() where id = $1 returning 1) select count(*) from k`;",
    "const e = 'delete from ingest_queue where not_before < $1';",
    // A main statement that writes after CTEs: its own part must name the instance.
    'const g = `with first as (select id from ingest_queue where instance_id = $1 limit 1) delete from ingest_queue where id in (select id from first)`;',
  ].join('\n'));
  assert.deepEqual(unroutedModifyingCtes(dir).map((f) => f.part), [
    'delete from activity_events where created_at < $1 returning 1',
    "insert into ingest_queue (kind, instance_id) select 'person', $1 returning 1",
    'delete from ingest_queue where id in (select id from first)',
  ]);
});
