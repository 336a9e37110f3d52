// The worker thread that owns the embedded store's PGlite, so that the database's work (which is
// CPU in WebAssembly) runs beside the HTTP work on another core instead of taking turns with it.
// PGlite is one session: requests run one at a time in arrival order, and while a transaction
// session is open only that session's requests run; the others wait here, in order.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite as PgliteDb, Transaction } from '@electric-sql/pglite';
import { parseImage, readImage, writeImageFolder, type PgdataImage } from './image-file.js';
import { loadPglite, writeCodeCache } from './pglite-code.js';
import { takePreload } from './pglite-preload.js';
import { encodeParam, toWireError, type Answer, type OpenRequest, type Ready, type Request } from './pglite-protocol.js';
import { startMark } from '../start-trace.js';
import type { Sql } from './db.js';
import { retryAfter } from './sqlstate.js';

startMark('store thread modules evaluated');

const { MemoryFS, PGlite } = (await loadPglite((workerData as OpenRequest).codeCache?.file)).lib;

// pg-protocol's serializer alone, through the CommonJS loader PGlite's code already started
// (pglite-code.ts): its ES module entry loads the whole package, ~15 ms of this thread's start.
const { serialize } = createRequire(import.meta.url)('pg-protocol/dist/serializer.js') as typeof import('pg-protocol');

if (!parentPort) throw new Error('pglite-worker.ts runs as a worker thread (see pglite.ts)');
const port = parentPort;

/** A session to open: its first statement (which carried `begin`) waits in its queue. */
type Begin = { op: 'begin'; s: number };
/** Autocommit requests, session openings, dump and close, in arrival order. */
const main: Array<Request | Begin> = [];
/** Requests of open sessions, by session. */
const sessions = new Map<number, Request[]>();
/** Sessions opened by a first statement and not yet ended (waiting in `main`, or running). */
const live = new Set<number>();
let wake: (() => void) | undefined;

port.on('message', (request: Request) => {
  if (request.s !== 0) {
    if (!live.has(request.s)) {
      if (request.op === 'end') {
        // Its BEGIN failed (its first statement was told so): nothing to roll back, nothing committed.
        if (request.commit) fail(request.id, new Error(`session ${request.s} is not open`));
        else answer({ id: request.id, ok: true });
        return;
      }
      if (!('begin' in request) || !request.begin) {
        fail(request.id, new Error('Transaction is closed'));
        return;
      }
      live.add(request.s);
      main.push({ op: 'begin', s: request.s });
    }
    let queue = sessions.get(request.s);
    if (!queue) sessions.set(request.s, (queue = []));
    queue.push(request);
  } else {
    main.push(request);
  }
  const w = wake;
  wake = undefined;
  w?.();
});

async function next<R>(queue: () => R[]): Promise<R> {
  for (;;) {
    const request = queue().shift();
    if (request) return request;
    await new Promise<void>((resolve) => (wake = resolve));
  }
}

function answer(message: Answer, transfer?: ArrayBuffer[]): void {
  port.postMessage(message, transfer);
}

function fail(id: number, error: unknown): void {
  answer({ id, ok: false, error: toWireError(error) });
}

type Conn = Pick<PgliteDb, 'query' | 'exec'> | Transaction;

/** Named statements this session has prepared: name → text (a name is one statement's shape). */
const prepared = new Map<string, string>();

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * One statement in one call into PostgreSQL (Parse, Bind, Describe, Execute, Sync in one
 * message), where PGlite's query() makes six calls and parses the text every time. A named
 * statement is parsed and planned once per session and then only bound and run. Parameters are
 * sent as text the way `pg` sends them (pglite-protocol.ts encodeParam), so both stores read the
 * same values the same way. The messages are written by `pg`'s own serializer (pg-protocol),
 * which sizes and copies a parameter's UTF-8 in native code (PGlite's counts it in JavaScript, a
 * character at a time: a seventh of this thread's time on a batch's JSON). The answer is
 * PostgreSQL's messages as it wrote them, unparsed: the caller's thread decodes them
 * (pglite-results.ts), so that this thread, which every statement waits for, spends its time on
 * running statements only.
 */
async function fastQuery(pg: PgliteDb, text: string, params: unknown[] | undefined, name: string | undefined): Promise<ArrayBuffer> {
  const values = params ? params.map(encodeParam) : [];
  let statement = '';
  const parts: Uint8Array[] = [];
  if (name !== undefined && prepared.get(name) === text) {
    statement = name;
  } else if (name !== undefined && !prepared.has(name)) {
    // Prepare it on its own first: whether a combined message's Parse took effect is unknown when it fails.
    await pg.execProtocolStream(concat([serialize.parse({ name, text }), serialize.sync()]), { syncToFs: false });
    prepared.set(name, text);
    statement = name;
  } else {
    parts.push(serialize.parse({ text }));
  }
  parts.push(serialize.bind({ statement, values }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync());
  // PGlite hands over its output in pieces that are views of its own buffers: each is copied.
  const out: Uint8Array[] = [];
  await pg.execProtocolRawStream(concat(parts), { syncToFs: false, onRawData: (data) => out.push(data.slice()) });
  return (out.length === 1 ? out[0]! : concat(out)).buffer as ArrayBuffer;
}

async function run(pg: PgliteDb, conn: Conn, request: Request & { op: 'query' | 'exec' }): Promise<void> {
  try {
    if (request.op === 'query') {
      const raw = await fastQuery(pg, request.text, request.params, request.name);
      answer({ id: request.id, ok: true, raw }, [raw]);
    } else {
      await conn.exec(request.text);
      answer({ id: request.id, ok: true });
    }
  } catch (error) {
    fail(request.id, error);
  }
}

async function runSession(pg: PgliteDb, s: number): Promise<void> {
  let began = false;
  let end: (Request & { op: 'end' }) | undefined;
  const queue = () => {
    let q = sessions.get(s);
    if (!q) sessions.set(s, (q = []));
    return q;
  };
  try {
    await pg.transaction(async (tx) => {
      began = true;
      for (;;) {
        const request = await next(queue);
        if (request.op === 'end') {
          end = request;
          if (!request.commit) await tx.rollback();
          return;
        }
        if (request.op === 'query' || request.op === 'exec') await run(pg, tx, request);
        else fail(request.id, new Error(`${request.op} is not allowed inside a transaction`));
      }
    });
    if (end) answer({ id: end.id, ok: true });
  } catch (error) {
    if (!began) {
      // BEGIN failed: the statements sent meanwhile are told why (a rollback has nothing to do).
      for (const request of sessions.get(s) ?? []) {
        if (request.op === 'end' && !request.commit) answer({ id: request.id, ok: true });
        else fail(request.id, error);
      }
    } else if (end) fail(end.id, error);
  } finally {
    live.delete(s);
    sessions.delete(s);
  }
}

/** The ingest layer's procedures (Db.procedure), loaded at the first call: a start does not wait for them. */
let procedures: Promise<[typeof import('../ingest/procedures.js'), typeof import('./pglite-results.js')]> | undefined;

/**
 * A procedure in one transaction of its own, its statements run here one after the other; retried
 * as the calling thread's transaction() retries. Its outcome, an error included, is encoded by
 * the ingest layer, so that what the caller decodes is what it would have caught.
 */
async function runProcedure(pg: PgliteDb, request: Request & { op: 'procedure' }): Promise<void> {
  try {
    const [mod, { rowsOf }] = await (procedures ??= Promise.all([import('../ingest/procedures.js'), import('./pglite-results.js')]));
    const sql: Sql = {
      query: async <R>(text: string, params?: readonly unknown[], name?: string) => rowsOf(await fastQuery(pg, text, params as unknown[] | undefined, name)) as R[],
      exec: async (text: string) => {
        await pg.exec(text);
      },
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const value = await pg.transaction(() => mod.runProcedure(sql, request.name, request.args));
        answer({ id: request.id, ok: true, outcome: { value } });
        return;
      } catch (error) {
        if (await retryAfter(error, attempt)) continue;
        answer({ id: request.id, ok: true, outcome: { error: mod.encodeError(error) } });
        return;
      }
    }
  } catch (error) {
    fail(request.id, error);
  }
}

/**
 * PGlite runs no autovacuum: without it the planner never learns how many rows a table holds, and
 * a look-up that an index answers in a millisecond becomes a hash join over every event of the
 * instance (the daily limit's query grew with the events stored). So this thread does what
 * autovacuum would, between requests: at most once per MAINTENANCE_CHECK_MS it asks PostgreSQL's
 * own counters which tables changed by more than autovacuum's default thresholds (50 rows + 10 %
 * for ANALYZE, 50 + 20 % dead rows for VACUUM) and treats those. Tables never analyzed (an
 * existing folder from before) are analyzed at the first check. ANALYZE samples fewer rows than
 * PostgreSQL's default (MAINTENANCE_STATISTICS_TARGET), which keeps the pause short and is ample
 * for the key look-ups the store runs.
 */
const MAINTENANCE_CHECK_MS = 2_000;
const MAINTENANCE_STATISTICS_TARGET = 10;
/**
 * An idle store backs off: after a check that found nothing to do, when only reads (autocommit
 * selects: an idle worker's polls) ran since the one before, the next check waits twice as long
 * (up to MAINTENANCE_IDLE_MAX_MS). Anything that may write (a transaction, exec, any other
 * statement) makes the next check due after MAINTENANCE_CHECK_MS as before.
 */
const MAINTENANCE_IDLE_MAX_MS = 60_000;
let lastMaintenance = performance.now();
let maintenanceWaitMs = MAINTENANCE_CHECK_MS;
/** Whether a request that may write ran since the last check (serve() notes it). */
let mayHaveWritten = false;

function noteForMaintenance(request: Request | Begin): void {
  if (!mayHaveWritten && (request.op !== 'query' || !/^\s*select\b/i.test(request.text))) mayHaveWritten = true;
}

function maintenanceDue(now: number): boolean {
  const elapsed = now - lastMaintenance;
  return elapsed >= MAINTENANCE_CHECK_MS && (mayHaveWritten || elapsed >= maintenanceWaitMs);
}

async function maybeMaintain(pg: PgliteDb): Promise<void> {
  const now = performance.now();
  if (!maintenanceDue(now)) return;
  const busy = mayHaveWritten;
  mayHaveWritten = false;
  lastMaintenance = now;
  let treated = false;
  try {
    const due = await pg.query<{ name: string; analyze: boolean; vacuum: boolean }>(
      `select quote_ident(s.schemaname) || '.' || quote_ident(s.relname) as name,
              (c.reltuples < 0 and c.relpages > 0) or s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0) as analyze,
              s.n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0) as vacuum
         from pg_stat_user_tables s join pg_class c on c.oid = s.relid
        where (c.reltuples < 0 and c.relpages > 0) or s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)
           or s.n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0)`,
    );
    if (due.rows.length === 0) return;
    treated = true;
    await pg.exec(`set default_statistics_target = ${MAINTENANCE_STATISTICS_TARGET}`);
    try {
      for (const t of due.rows) {
        if (t.vacuum) await pg.exec(`vacuum (analyze) ${t.name}`);
        else if (t.analyze) await pg.exec(`analyze ${t.name}`);
      }
    } finally {
      await pg.exec('reset default_statistics_target');
    }
  } catch {
    // Maintenance is an optimisation: a failure (a table dropped meanwhile) waits for the next check.
  } finally {
    lastMaintenance = performance.now();
    maintenanceWaitMs = treated || busy ? MAINTENANCE_CHECK_MS : Math.min(MAINTENANCE_IDLE_MAX_MS, maintenanceWaitMs * 2);
  }
}

async function serve(pg: PgliteDb): Promise<void> {
  for (;;) {
    await maybeMaintain(pg);
    const request = await next<Request | Begin>(() => main);
    noteForMaintenance(request);
    switch (request.op) {
      case 'query':
      case 'exec':
        await run(pg, pg, request);
        break;
      case 'begin':
        await runSession(pg, request.s);
        break;
      case 'procedure':
        await runProcedure(pg, request);
        break;
      case 'dump':
        try {
          const blob = await pg.dumpDataDir('none');
          const buffer = await blob.arrayBuffer();
          answer({ id: request.id, ok: true, dump: buffer }, [buffer]);
        } catch (error) {
          fail(request.id, error);
        }
        break;
      case 'close':
        try {
          const codeCache = (workerData as OpenRequest).codeCache;
          if (codeCache?.write) writeCodeCache(codeCache.file);
          await pg.close();
          answer({ id: request.id, ok: true });
        } catch (error) {
          fail(request.id, error);
        }
        return;
      case 'end':
        fail(request.id, new Error(`session ${request.s} is not open`));
        break;
    }
  }
}

/** PGlite's PGDATA inside its virtual file system. */
const PGDATA = '/pglite/data';

/** An Emscripten MEMFS node, as far as fillMemoryFolder uses it. */
interface MemNode {
  node_ops: { mknod?: (parent: MemNode, name: string, mode: number, dev: number) => MemNode };
  contents: unknown;
  usedBytes: number;
}

/** The modes FS.mkdir and FS.writeFile give a new directory and file (drwxrwxrwx, -rw-rw-rw-). */
const DIR_MODE = 0o40777;
const FILE_MODE = 0o100666;

/**
 * Puts an image's folders and files into the in-memory file system under the folder at root: each
 * made in its parent node (held from the one made before it, parents first) rather than through
 * FS.mkdir and FS.writeFile, which resolve the whole path in JavaScript for every one of the
 * image's ~1,050 entries (about 25 ms of the store's start). The file's node takes the image's
 * bytes as its contents, as FS.writeFile's canOwn does. False when root is not a MEMFS folder
 * (the caller then fills it the usual way).
 */
function fillMemoryFolder(root: MemNode, image: PgdataImage): boolean {
  if (!root.node_ops.mknod) return false;
  const dirs = new Map<string, MemNode>([['', root]]);
  const place = (path: string): [MemNode, string] => {
    const slash = path.lastIndexOf('/');
    const parent = dirs.get(slash < 0 ? '' : path.slice(0, slash));
    if (!parent?.node_ops.mknod) throw new Error(`store image: ${path} comes before its folder`);
    return [parent, path.slice(slash + 1)];
  };
  for (const dir of image.dirs) {
    const [parent, name] = place(dir);
    dirs.set(dir, parent.node_ops.mknod!(parent, name, DIR_MODE, 0));
  }
  for (const file of image.files) {
    const [parent, name] = place(file.path);
    ownedFile(parent, name, FILE_MODE, file.bytes);
  }
  return true;
}

/** A new MEMFS file in folder whose contents are bytes themselves (no copy: what FS.writeFile's canOwn does). */
function ownedFile(folder: MemNode, name: string, mode: number, bytes: Uint8Array): MemNode {
  const node = folder.node_ops.mknod!(folder, name, mode, 0);
  node.contents = bytes;
  node.usedBytes = bytes.length;
  return node;
}

/** The file packager's hook of an Emscripten module, and the file-system call it needs. */
interface PackagedModule {
  FS: { lookupPath(path: string, opts: object): { node: unknown } };
  FS_createDataFile(parent: string, name: string | null, data: Uint8Array | string, canRead: boolean, canWrite: boolean, canOwn: boolean): unknown;
}

/** The mode the file packager gives the bundle's files (FS.createDataFile, readable and writable: -rwxrwxrwx). */
const PACKAGE_FILE_MODE = 0o100777;

/**
 * A preRun hook that unpacks PGlite's file-system bundle (pglite.data: PostgreSQL's share/ and
 * lib/ files, about 700 of them) the way fillMemoryFolder fills the image. Emscripten's file packager
 * makes each with Module.FS_createDataFile, which resolves the file's whole path in JavaScript four
 * times (create, chmod, open, chmod); here each folder is looked up once and the file's node made in
 * it, its contents the bundle's bytes, as the packager's canOwn makes them. Measured on the store
 * thread alone (`node dist-bench/store-thread-start.js child .`, 14 alternated runs): ready 787 →
 * 760 ms, 40 ms less CPU. A file it cannot place so (a folder that is not MEMFS) goes the packager's
 * way. It must run before the packager's own preRun, which calls the module's FS_createDataFile.
 */
function unpackBundleQuickly(module: Partial<PackagedModule>): void {
  const packagers = module.FS_createDataFile;
  const FS = module.FS;
  // Another PGlite build (a patch release) may unpack its bundle otherwise: it then keeps its way.
  if (typeof packagers !== 'function' || typeof FS?.lookupPath !== 'function') return;
  const folders = new Map<string, MemNode>();
  module.FS_createDataFile = (parent, name, data, canRead, canWrite, canOwn) => {
    const theirs = () => packagers.call(module, parent, name, data, canRead, canWrite, canOwn);
    if (!canOwn || typeof data === 'string') return theirs();
    const file = name ? `${parent}/${name}` : parent;
    const slash = file.lastIndexOf('/');
    const folderPath = slash <= 0 ? '/' : file.slice(0, slash);
    try {
      let folder = folders.get(folderPath);
      if (!folder) folders.set(folderPath, (folder = FS.lookupPath(folderPath, {}).node as MemNode));
      if (!folder.node_ops?.mknod) return theirs();
      return ownedFile(folder, file.slice(slash + 1), PACKAGE_FILE_MODE, data);
    } catch {
      return theirs(); // whatever failed (a folder not there yet, a file already there) is theirs to report
    }
  };
}

/**
 * The in-memory file system, holding the image's data folder before PostgreSQL starts (PGlite
 * then finds a store instead of running initdb or reading a tarball). The files keep the image's
 * bytes as their contents (canOwn: no copy). PGlite's own bundle is unpacked the same way.
 */
class ImageMemoryFS extends MemoryFS {
  constructor(readonly image: PgdataImage) {
    super();
  }

  override async init(...args: Parameters<InstanceType<typeof MemoryFS>['init']>): ReturnType<InstanceType<typeof MemoryFS>['init']> {
    const { emscriptenOpts } = await super.init(...args);
    const hook = unpackBundleQuickly as unknown as NonNullable<typeof emscriptenOpts.preRun>[number];
    return { emscriptenOpts: { ...emscriptenOpts, preRun: [hook, ...(emscriptenOpts.preRun ?? [])] } };
  }

  override async initialSyncFs(): Promise<void> {
    startMark('PGlite module ready, filling the file system');
    const FS = this.pg!.Module.FS;
    FS.mkdirTree(PGDATA);
    if (!fillMemoryFolder(FS.lookupPath(PGDATA, {}).node as unknown as MemNode, this.image)) {
      for (const dir of this.image.dirs) FS.mkdir(`${PGDATA}/${dir}`);
      for (const file of this.image.files) FS.writeFile(`${PGDATA}/${file.path}`, file.bytes, { canOwn: true });
    }
    startMark('file system filled');
  }
}

/**
 * An in-memory store's shared buffers: its pages are in memory already (the file system's), so a
 * large buffer pool only holds second copies; PostgreSQL's default 128 MB cost an idle emulator
 * ~110 MB of RSS (438 → 327 MB with 16 MB) and 100-200 ms of its start. PostgreSQL zero-fills its
 * shared memory at start, about 0.5 ms of the store thread's CPU per MB: 16 MB (24 MB of shared
 * memory in all, against 42 MB with 32 MB) starts ~10 ms sooner. A page read past them is a copy
 * from the in-memory file system. A folder's store keeps the default, as there it caches the disk.
 */
const MEMORY_SHARED_BUFFERS = '16MB';
const memoryStartParams = () => [...PGlite.defaultStartParams, '-c', `shared_buffers=${MEMORY_SHARED_BUFFERS}`];

async function open({ dataDir, loadDataDir, imageFile }: OpenRequest): Promise<PgliteDb> {
  const preloaded = takePreload();
  const wasmModule = await preloaded?.wasm;
  startMark('WebAssembly compiled');
  const wasm = wasmModule ? { pgliteWasmModule: wasmModule } : {};
  if (imageFile) {
    const image = preloaded?.image ? parseImage(await preloaded.image, imageFile) : readImage(imageFile);
    startMark('image read');
    if (!dataDir) return PGlite.create({ ...wasm, fs: new ImageMemoryFS(image), startParams: memoryStartParams() });
    writeImageFolder(image, dataDir);
    return PGlite.create(dataDir, wasm);
  }
  const load = loadDataDir ? { loadDataDir: new Blob([loadDataDir]) } : {};
  if (!dataDir) return PGlite.create('memory://', { ...wasm, ...load, startParams: memoryStartParams() });
  return PGlite.create(dataDir, { ...wasm, ...load });
}

async function start(): Promise<void> {
  let pg: PgliteDb;
  try {
    pg = await open(workerData as OpenRequest);
  } catch (error) {
    port.postMessage({ ready: true, error: toWireError(error) } satisfies Ready);
    return;
  }
  startMark('PostgreSQL ready');
  port.postMessage({ ready: true, error: null } satisfies Ready);
  await serve(pg);
  port.close();
}

void start();
