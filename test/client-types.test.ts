// The SDK's wire types are generated from the server's own schemas and routes
// (scripts/gen-client-types.mjs). This fails when the committed file no longer matches them:
// run `npm run gen:client-types` and commit packages/client/src/generated/types.ts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../src/package-root.js';

describe('packages/client/src/generated/types.ts', () => {
  it('matches what the generator makes from the current server', async () => {
    const script = path.join(packageRoot(), 'scripts', 'gen-client-types.mjs');
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [script, '--check'], { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      child.once('exit', (c) => resolve({ code: c, output }));
    });
    assert.equal(code, 0, output);
  });
});
