// Rules of the source tree's shape, checked on the sources themselves (not the build), so that a
// change that breaks one fails here rather than in review.
//
// SQL lives in src/store/ only: every statement the server runs has a named function there, and
// everything above the store calls those. A file elsewhere that passes SQL text to query()/exec()
// or holds a string that reads as a statement fails this test (tests and bench/ excepted: they
// set up and inspect databases on purpose).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { packageRoot } from '../src/package-root.js';

/**
 * A string that reads as a SQL statement. Keywords are matched in lower case, or all in capitals
 * (`SELECT ... FROM`), so prose such as "Select the records from ..." or "Update only: ..." is not.
 */
const STATEMENT = new RegExp([
  String.raw`^\s*select\s[\s\S]*?\sfrom\s`,
  String.raw`^\s*select\s+(\d+|[\w.]+\([^)]*\))(\s+as\s+\w+)?\s*;?\s*$`,
  String.raw`^\s*insert\s+into\s`,
  String.raw`^\s*update\s+\w+\s+set\s`,
  String.raw`^\s*delete\s+from\s`,
  String.raw`^\s*with\s+(recursive\s+)?\w+(\s*\([\w\s,]*\))?\s+as\s*(not\s+)?(materialized\s*)?\(`,
  String.raw`^\s*(create|alter|drop)\s+(table|index|unique\s+index|view|function|extension|database|schema|type|trigger|role)\s`,
  String.raw`^\s*(begin|commit|rollback)\s*;?\s*$`,
  String.raw`^\s*(savepoint|release\s+savepoint|rollback\s+to\s+savepoint)\s+\w+\s*;?\s*$`,
  String.raw`^\s*truncate\s+(table\s+)?[a-z_]+\s*(,|;|$|restart|cascade)`,
  String.raw`^\s*copy\s+\w+(\s*\([^)]*\))?\s+(from|to)\s+(stdin|stdout|')`,
  String.raw`^\s*(lock\s+table|do\s+\$\$|explain\s+(analyze\s+)?select)\s`,
  String.raw`^\s*set\s+(local\s+|session\s+)?([a-z]+_[a-z_.]+|[a-z]+\.[a-z_]+)\s*(=|to)\s`,
].join('|'));

function readsAsStatement(text: string): boolean {
  return STATEMENT.test(text) || STATEMENT.test(text.replace(/\b[A-Z]{2,}\b/g, (w) => w.toLowerCase()));
}

/** Methods of the store's Sql interface that take SQL text. */
const SQL_METHODS = new Set(['query', 'exec']);

export interface SqlUse {
  line: number;
  text: string;
}

function isTextLiteral(node: ts.Node): node is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node);
}

function literalText(node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression): string {
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((s) => ' x ' + s.literal.text)].join('');
  return node.text;
}

/** Where a TypeScript source runs SQL text: literal SQL passed to query()/exec(), or a string that reads as a statement. */
export function sqlUses(fileName: string, source: string): SqlUse[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: SqlUse[] = [];
  const report = (node: ts.Node, text: string) => {
    found.push({ line: file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1, text: text.replace(/\s+/g, ' ').trim().slice(0, 80) });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && SQL_METHODS.has(node.expression.name.text)
      && !ts.isRegularExpressionLiteral(node.expression.expression)) {
      const first = node.arguments[0];
      if (first && isTextLiteral(first)) {
        report(first, literalText(first));
        return;
      }
    }
    if (isTextLiteral(node) && readsAsStatement(literalText(node))) {
      report(node, literalText(node));
      return;
    }
    if (ts.isTaggedTemplateExpression(node) && /^sql$/i.test(node.tag.getText(file))) {
      report(node, node.template.getText(file));
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'generated') sourceFiles(p, out);
    } else if (/\.tsx?$/.test(entry.name) && !/\.d\.ts$/.test(entry.name)) {
      out.push(p);
    }
  }
  return out;
}

const root = packageRoot();
const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');
/** Every TypeScript source of the product: the server, the console and the packages. */
const product = [...sourceFiles(path.join(root, 'src')), ...sourceFiles(path.join(root, 'console')), ...sourceFiles(path.join(root, 'packages'))]
  .filter((p) => !/\.test\.tsx?$/.test(p));
const inStore = (p: string) => rel(p).startsWith('src/store/');

describe('the source tree', () => {
  it('runs SQL only in src/store/: no other file passes SQL text to the database or holds a statement', () => {
    const outside = product.filter((p) => !inStore(p));
    assert.ok(outside.length > 50, `found only ${outside.length} source files under ${root}`);
    const offenders = outside.flatMap((p) => sqlUses(p, fs.readFileSync(p, 'utf8')).map((u) => `${rel(p)}:${u.line}: ${u.text}`));
    assert.deepEqual(offenders, [], 'move these statements into a src/store/ module behind a named function');
  });

  it('the check sees the statements in src/store/ (it is not blind)', () => {
    const store = product.filter(inStore);
    const withSql = store.filter((p) => sqlUses(p, fs.readFileSync(p, 'utf8')).length > 0).map(rel);
    for (const expected of ['src/store/instances.ts', 'src/store/queue.ts', 'src/store/migrate.ts', 'src/store/records.ts']) {
      assert.ok(withSql.includes(expected), `${expected} holds SQL but was not seen: ${withSql.join(', ')}`);
    }
  });

  it('the check tells SQL from regular expressions and prose', () => {
    const flagged = (code: string) => sqlUses('sample.ts', code).length > 0;
    // SQL, however it is written.
    assert.ok(flagged("await tx.query('select id from instances where id = $1 for update', [id]);"));
    assert.ok(flagged('await sql.query<{ n: number }>(`select count(*) as n from ${table}`);'));
    assert.ok(flagged("await db.exec(\"do $$ begin raise exception 'x'; end $$\");"));
    assert.ok(flagged("await db.query(text); const text = 'insert into records (id) values ($1)';"));
    assert.ok(flagged("const q = `\n  update records\n     set fields = $2\n   where id = $1`;"));
    assert.ok(flagged("const q = 'delete from ingest_queue where id = $1';"));
    assert.ok(flagged("const q = 'with due as (select 1) select * from due';"));
    assert.ok(flagged("await db.query('select 1');"));
    assert.ok(flagged("await tx.exec('begin');"));
    assert.ok(flagged('const rows = await sql`select 1`;'));
    assert.ok(flagged("const q = 'SELECT id FROM instances';"));
    assert.ok(flagged("const q = 'set local statement_timeout = 5000';"));
    // Not SQL.
    assert.ok(!flagged('const m = /^act:(?:cm|oc):(.+)$/.exec(activityFieldId);'));
    assert.ok(!flagged("const m = FIELD_ID.exec(header);"));
    assert.ok(!flagged("const q = request.query as { path?: string };"));
    assert.ok(!flagged("const d = { description: 'Update only: a record not found is skipped' };"));
    assert.ok(!flagged("const s = 'Create or update persons (up to 100), without an activity';"));
    assert.ok(!flagged("const s = 'Select the records from the list';"));
    assert.ok(!flagged("const s = 'select all of them';"));
    assert.ok(!flagged("const s = 'set it to 5, then commit the change';"));
    assert.ok(!flagged('// select id from instances where id = $1\nconst x = 1;'));
  });
});
