// The pre-migrated store image (build/store-image.bin): its file format, and stores started from
// it, in memory (the emulator) and in a new folder (a first `serve`), hold every migration. The
// build's code cache of PGlite's JavaScript (build/pglite-code-cache.bin) is taken by the store's
// thread, and a refused or missing one only means PGlite is compiled as usual.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { packFolder, readImage, writeImageFolder } from '../src/store/image-file.js';
import { loadMigrations } from '../src/store/migrate.js';
import { openPglite, pgliteCodeCacheFile } from '../src/store/pglite.js';
import { imageHolds, storeImage } from '../src/store/store-image.js';
import { STORE_KIND } from './helpers/store.js';
import { packageRoot } from '../src/package-root.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'store-image-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the store image file', () => {
  it('holds a folder\'s directories (empty ones too) and files, and writes them back the same', () => {
    const src = path.join(tmp, 'src');
    fs.mkdirSync(path.join(src, 'a', 'b'), { recursive: true });
    fs.mkdirSync(path.join(src, 'empty'));
    fs.writeFileSync(path.join(src, 'PG_VERSION'), '18\n');
    fs.writeFileSync(path.join(src, 'a', 'b', 'zeros'), Buffer.alloc(8192));
    fs.writeFileSync(path.join(src, 'a', 'none'), '');
    const file = path.join(tmp, 'image.bin');
    fs.writeFileSync(file, packFolder(src));
    const image = readImage(file);
    assert.deepEqual(image.dirs, ['a', 'a/b', 'empty']);
    assert.deepEqual(image.files.map((f) => [f.path, f.bytes.length]), [['PG_VERSION', 3], ['a/b/zeros', 8192], ['a/none', 0]]);

    const out = path.join(tmp, 'out', 'pgdata');
    fs.mkdirSync(path.dirname(out));
    writeImageFolder(image, out);
    assert.equal(fs.readFileSync(path.join(out, 'PG_VERSION'), 'utf8'), '18\n');
    assert.deepEqual(fs.readFileSync(path.join(out, 'a', 'b', 'zeros')), Buffer.alloc(8192));
    assert.ok(fs.statSync(path.join(out, 'empty')).isDirectory());
    assert.deepEqual(fs.readdirSync(path.dirname(out)), ['pgdata'], 'nothing left beside it');
  });

  it('is used for a new store when it holds this code\'s first migrations in order; migrate() runs only when it lacks later ones', () => {
    const names = ['0001_a', '0002_b', '0003_c'];
    assert.equal(imageHolds(names, names), 'every migration');
    assert.equal(imageHolds(['0001_a', '0002_b'], names), 'the first ones');
    assert.equal(imageHolds(['0001_a', '0003_c'], names), 'unusable');
    assert.equal(imageHolds([...names, '0004_d'], names), 'unusable', 'an image from newer code');
    assert.equal(imageHolds([], names), 'unusable');
    assert.equal(imageHolds(undefined, names), 'unusable');
  });

  it('refuses a damaged image instead of starting a store from part of it', () => {
    const file = path.join(tmp, 'image.bin');
    const cut = path.join(tmp, 'cut.bin');
    fs.writeFileSync(cut, fs.readFileSync(file).subarray(0, -1));
    assert.throws(() => readImage(cut), /damaged/);
  });
});

describe('stores started from the build\'s image', { skip: (STORE_KIND !== 'pglite' && 'PGlite only') || (!storeImage() && 'no build/store-image.bin (npm run build)') }, () => {
  const migrations = loadMigrations().length;
  for (const where of ['in memory', 'in a new folder'] as const) {
    it(`${where}: every migration is applied and the store takes writes`, async () => {
      const db = await openPglite(where === 'in memory' ? undefined : path.join(tmp, 'new', 'pgdata'), storeImage());
      try {
        assert.deepEqual(await db.query('select count(*)::int as n from schema_migrations'), [{ n: migrations }]);
        await db.exec('create table image_probe (k int primary key)');
        await db.query('insert into image_probe values ($1)', [1]);
        assert.deepEqual(await db.query('select k from image_probe'), [{ k: 1 }]);
      } finally {
        await db.close();
      }
    });
  }

  it('in memory: PostgreSQL reads the files of PGlite\'s bundle as they are in it (unpacked by the store\'s own hook)', async () => {
    // The bundle (pglite.data) and where each of its files lies in it, from PGlite's loader.
    const dist = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite/pglite.data'));
    const bundle = fs.readFileSync(path.join(dist, 'pglite.data'));
    const loader = fs.readFileSync(path.join(dist, 'index.cjs'), 'utf8');
    const files = new Map([...loader.matchAll(/filename:"([^"]+)",start:(\d+),end:(\d+)/g)].map((m) => [m[1]!, [Number(m[2]), Number(m[3])] as const]));
    const wanted = ['/pglite/share/postgresql/timezone/Australia/Sydney', '/pglite/share/postgresql/tsearch_data/english.stop', '/pglite/share/postgresql/timezonesets/Default'];
    const db = await openPglite(undefined, storeImage());
    try {
      for (const file of wanted) {
        const span = files.get(file);
        assert.ok(span, `${file} is in PGlite's bundle`);
        const [row] = await db.query<{ bytes: Buffer }>('select pg_read_binary_file($1) as bytes', [file]);
        assert.deepEqual(Buffer.from(row!.bytes), bundle.subarray(span[0], span[1]), file);
      }
      // And uses them: a time zone's rules, a dictionary's stop words.
      assert.deepEqual(
        await db.query(`select to_char(timestamptz '2026-01-15 00:00:00+00' at time zone 'Australia/Sydney', 'HH24:MI') as t, to_tsvector('english', 'the running') :: text as v`),
        [{ t: '11:00', v: "'run':2" }],
      );
    } finally {
      await db.close();
    }
  });
});

/**
 * Opens an in-memory store from the build's image in a new process (a code cache is V8's, per
 * process) with codeCache as given, runs a statement, and returns how the thread loaded PGlite's
 * code (its start-trace mark) and the statement's answer.
 */
function openInChild(codeCache: { file: string } | undefined): { loaded: string; rows: unknown } {
  const script = `
    const { openPglite } = await import(${JSON.stringify(pathToFileURL(path.join(packageRoot(), 'dist/src/store/pglite.js')).href)});
    const db = await openPglite(undefined, ${JSON.stringify(storeImage() ?? null)}, ${JSON.stringify(codeCache ? { codeCache } : {})});
    process.stdout.write(JSON.stringify(await db.query('select count(*)::int as n from schema_migrations')));
    await db.close();`;
  const file = path.join(tmp, 'open-in-child.mjs');
  fs.writeFileSync(file, script);
  const child = spawnSync(process.execPath, [file], {
    env: { ...process.env, ACTIVITY_CDP_START_TRACE: '1' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.equal(child.status, 0, child.stderr);
  const loaded = /start-trace store \S+ PGlite's JavaScript loaded \((?:code cache: )?([^)]+)\)/.exec(child.stderr)?.[1] ?? `no mark in: ${child.stderr}`;
  return { loaded, rows: JSON.parse(child.stdout) };
}

describe('the code cache of PGlite\'s JavaScript', {
  skip: (STORE_KIND !== 'pglite' && 'PGlite only') || (!storeImage() && 'no build/store-image.bin (npm run build)')
    || (!fs.existsSync(pgliteCodeCacheFile()) && 'no build/pglite-code-cache.bin (npm run build)'),
}, () => {
  const migrations = [{ n: loadMigrations().length }];

  it('the store\'s thread compiles PGlite from the build\'s cache (V8 accepts it)', () => {
    const { loaded, rows } = openInChild(undefined);
    assert.equal(loaded, 'cache');
    assert.deepEqual(rows, migrations);
  });

  it('a cache V8 refuses (another version\'s, or damaged) or none at all still opens the store', () => {
    const damaged = path.join(tmp, 'damaged-code-cache.bin');
    fs.writeFileSync(damaged, fs.readFileSync(pgliteCodeCacheFile()).subarray(0, 4096));
    assert.deepEqual(openInChild({ file: damaged }), { loaded: 'refused', rows: migrations });
    assert.deepEqual(openInChild({ file: path.join(tmp, 'no-such-cache.bin') }), { loaded: 'compiled', rows: migrations });
  });
});
