// Runs every compiled test file (dist/**/*.test.js) with node's test runner. Node 20's runner
// takes no globs, so the files are found here.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function find(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) find(p, out);
    else if (entry.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
let files = [...find('dist/src'), ...find('dist/test'), ...find('dist/packages')].sort();
// tsc -b never deletes: a compiled test whose source was removed or renamed is not run.
const stale = files.filter((f) => !fs.existsSync(f.replace(/^dist[\\/]/, '').replace(/\.js$/, '.ts')));
if (stale.length > 0) console.error(`skipping ${stale.length} compiled test file(s) whose source is gone: ${stale.join(', ')}`);
files = files.filter((f) => !stale.includes(f));
if (filter.length > 0) files = files.filter((f) => filter.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
