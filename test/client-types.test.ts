// The SDK's wire types are generated from the server's own schemas and routes
// (scripts/gen-client-types.mjs). This fails when the committed file no longer matches them:
// run `npm run gen:client-types` and commit packages/client/src/generated/types.ts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../src/package-root.js';

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (c) => resolve({ code: c, output }));
  });
}

describe('packages/client', () => {
  it('has generated types that match what the generator makes from the current server', async () => {
    const { code, output } = await run([path.join(packageRoot(), 'scripts', 'gen-client-types.mjs'), '--check']);
    assert.equal(code, 0, output);
  });

  it('type-checks on its own, for browsers and Node >= 18 (DOM lib, no Node types)', async () => {
    const tsc = path.join(packageRoot(), 'node_modules', 'typescript', 'bin', 'tsc');
    const { code, output } = await run([tsc, '-p', path.join(packageRoot(), 'packages', 'client', 'tsconfig.json'), '--noEmit']);
    assert.equal(code, 0, output);
  });
});
