// The shipped build (run by `prepare`, after `tsc -b`): the command bundled with esbuild into
// build/ (ES modules, one chunk per lazily loaded command, so a start reads a few files instead of
// TypeBox's and Fastify's hundreds), and a pre-migrated embedded store image, so that a new store
// starts from a copy instead of initdb + every migration, and V8's code cache of PGlite's
// JavaScript for the store's thread. Tests keep using tsc's dist/.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'build');

// Packages that read files beside their own code at run time (WebAssembly, data, static pages),
// or load optional native parts, stay in node_modules.
const EXTERNAL = ['@electric-sql/pglite', '@electric-sql/pglite/*', 'fast-geoip', '@fastify/swagger-ui', 'pg', 'pg-native', 'pino', 'thread-stream'];

// build/<key>.js from src/<value>: the command, and any in-process entry a package export points
// at (add it here and to package.json "exports", e.g. a test helper), when its source exists.
const ENTRIES = Object.fromEntries(
  Object.entries({ 'cli/main': 'src/cli/main.ts', testing: 'src/testing.ts' }).filter(([, src]) => fs.existsSync(path.join(ROOT, src))),
);

fs.rmSync(OUT, { recursive: true, force: true });
const started = performance.now();
await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: ENTRIES,
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  sourcemap: 'linked',
  legalComments: 'none',
  chunkNames: 'chunks/[name]-[hash]',
  // Bundled CommonJS modules call require(); give the ES module output one.
  banner: { js: "import { createRequire as __cdpCreateRequire } from 'node:module'; const require = __cdpCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

// The store image: a store with every migration applied, shut down cleanly (so a start from it
// needs no crash recovery and keeps PostgreSQL's relation-cache files), as one uncompressed file
// (src/store/image-file.ts; the npm tarball compresses it), with the list of migrations it holds
// (a store made from it runs only those that came later).
const { loadMigrations, migrate } = await import(path.join(ROOT, 'dist/src/store/migrate.js'));
const { openPglite } = await import(path.join(ROOT, 'dist/src/store/pglite.js'));
const { packFolder } = await import(path.join(ROOT, 'dist/src/store/image-file.js'));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'activity-cdp-image-'));
try {
  const db = await openPglite(path.join(scratch, 'pgdata'));
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
  fs.writeFileSync(path.join(OUT, 'store-image.bin'), packFolder(path.join(scratch, 'pgdata')));
  // V8's code cache of PGlite's JavaScript (src/store/pglite-code.ts), taken from an in-memory
  // store started from that image once it has run a start's first statements (migrate's check
  // and a parameterized read), so it holds the functions a start compiles.
  const started = await openPglite(undefined, { imageFile: path.join(OUT, 'store-image.bin') }, { codeCache: { file: path.join(OUT, 'pglite-code-cache.bin'), write: true } });
  try {
    await migrate(started);
    await started.query('select count(*)::int as n from api_keys where key_hash = $1', ['']);
  } finally {
    await started.close();
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
const pgliteVersion = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')).version;
fs.writeFileSync(path.join(OUT, 'store-image.json'), JSON.stringify({ pglite: pgliteVersion, migrations: loadMigrations().map((m) => m.name) }, null, 2) + '\n');
console.log(`build/: bundle and store image in ${Math.round(performance.now() - started)} ms`);
