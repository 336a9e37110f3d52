// Every SQL statement of the server that locks rows (`for update`, `for share`, ...) names its
// instance, so that on Citus it is routed to one shard (Citus refuses row locks spanning shards)
// and, on any store, one tenant's traffic never locks another's rows. Read from the source text.
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


export function unscopedLocks(root: string): Array<{ file: string; sql: string }> {
  const found: Array<{ file: string; sql: string }> = [];
  for (const file of sourceFiles(root)) {
    for (const lit of literals(fs.readFileSync(file, 'utf8'))) {
      // Row locks belong to SELECT; a literal without one is prose (a comment's `for update`).
      if (!LOCKING.test(lit) || !/\bselect\b/i.test(lit) || NAMES_INSTANCE.test(lit)) continue;
      const sql = lit.replace(/\s+/g, ' ');
      found.push({ file: path.relative(root, file), sql });
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

it('the scan names a locking statement that does not filter on its instance', (t) => {
  const dir = fs.mkdtempSync(path.join(packageRoot(), '.cache-for-update-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'bad.ts'), [
    "const a = 'select id from records where id = $1 for update';",
    'const b = `select 1 from records where instance_id = $1 and id = $2 for update`;',
    "const c = 'select id from instances where id = $1 for update';",
    '// rows are claimed with `for update skip locked`',
    'const d = `select * from activity_events where kind = $1\n  for no key update skip locked`;',
  ].join('\n'));
  assert.deepEqual(unscopedLocks(dir).map((f) => f.sql), [
    "'select id from records where id = $1 for update'",
    '`select * from activity_events where kind = $1 for no key update skip locked`',
  ]);
});
