// The embedded store thread's first reads, started by its entry (pglite-boot.ts) before PGlite's
// own modules load: PostgreSQL's WebAssembly is read and compiled (on V8's background threads)
// and the image file read while the thread compiles PGlite's JavaScript, instead of after it.
// open() in pglite-worker.ts takes them; a preload that failed is done again the usual way there.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { PGliteOptions } from '@electric-sql/pglite';
import type { OpenRequest } from './pglite-protocol.js';

type WasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>;
/** Node's WebAssembly global (this project's TypeScript libraries do not declare it). */
const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } }).WebAssembly;

export interface Preloaded {
  /** PGlite's pglite.wasm, compiled; undefined when that failed (PGlite then loads its own). */
  wasm: Promise<WasmModule | undefined>;
  /** The image file's bytes, when the request names one. */
  image: Promise<Buffer> | undefined;
}

let preloaded: Preloaded | undefined;

export function startPreload(request: OpenRequest): void {
  let wasm: Promise<WasmModule | undefined>;
  try {
    const file = createRequire(import.meta.url).resolve('@electric-sql/pglite/pglite.wasm');
    wasm = fs.promises.readFile(file).then((bytes) => wasmApi.compile(bytes), () => undefined).catch(() => undefined);
  } catch {
    wasm = Promise.resolve(undefined);
  }
  const image = request.imageFile ? fs.promises.readFile(request.imageFile) : undefined;
  image?.catch(() => {}); // seen (and thrown) by open()
  preloaded = { wasm, image };
}

/** The preloads, once (undefined when the thread was started without pglite-boot.ts). */
export function takePreload(): Preloaded | undefined {
  const p = preloaded;
  preloaded = undefined;
  return p;
}
