// Imports run one way (http -> ingest/read -> domain, store): no module of src/ imports, even
// for types only, a module that imports it back. TypeScript's own pre-processor reads the imports.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import ts from 'typescript';
import { packageRoot } from '../src/package-root.js';

const SRC = path.join(packageRoot(), 'src');

function sources(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) sources(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function importsOf(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .filter((i) => i.fileName.startsWith('.'))
    .map((i) => path.resolve(path.dirname(file), i.fileName.replace(/\.js$/, '.ts')))
    .filter((p) => fs.existsSync(p));
}

it('src/ has no import cycle (type-only and dynamic imports included)', () => {
  const files = sources(SRC);
  assert.ok(files.length > 50, `${files.length} source files`);
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].map((f) => path.relative(SRC, f)).join(' -> '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  assert.deepEqual(cycles, []);
});
