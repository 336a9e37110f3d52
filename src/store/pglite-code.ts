// PGlite's JavaScript for the embedded store's thread, compiled from V8's code cache when the build
// made one (build/pglite-code-cache.bin, scripts/build.mjs). Without it, each start parses and
// compiles PGlite's ~0.5 MB of Emscripten JavaScript, and then lazily every function a start
// runs; the cache, taken after a start and its first statements, holds those functions compiled.
// Node 20 has no code cache for ES modules, so this loads PGlite's CommonJS build as a vm.Script
// (the same code and exports as its ES module build). V8 refuses a cache made by another V8
// version or for other source (then it compiles as usual), so a stale cache costs only time.
import fs from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { startMark } from '../start-trace.js';

export type PgliteModule = typeof import('@electric-sql/pglite');

/** How PGlite's code was loaded: from the cache, compiled beside a refused or absent one, or as the ES module. */
export type CodeSource = 'cache' | 'refused' | 'compiled' | 'module';

let script: vm.Script | undefined;

/**
 * The script's dynamic imports, which a vm.Script can make only under --experimental-vm-modules:
 * PGlite's are all of Node's built-in modules (checked), so they are passed to this module's own
 * import(), which loads them the same from anywhere.
 */
const DYNAMIC_IMPORT = /\bimport\(/g;
const BUILTIN_IMPORT = /\bimport\("([^"]+)"\)/g;

function wrapped(source: string): string | undefined {
  const all = source.match(DYNAMIC_IMPORT)?.length ?? 0;
  const builtins = [...source.matchAll(BUILTIN_IMPORT)].map((m) => m[1]!);
  if (builtins.length !== all || !builtins.every((s) => isBuiltin(s))) return undefined;
  // Node's CommonJS wrapper, plus the import() stand-in.
  return `(function (exports, require, module, __filename, __dirname, __cdpImport) {${source.replace(BUILTIN_IMPORT, '__cdpImport("$1")')}\n})`;
}

/** PGlite, from cacheFile when it holds a cache V8 accepts; the ES module when the CommonJS build cannot be loaded this way. */
export async function loadPglite(cacheFile: string | undefined): Promise<{ lib: PgliteModule; source: CodeSource }> {
  try {
    const file = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    const code = file.endsWith('.cjs') ? wrapped(fs.readFileSync(file, 'utf8')) : undefined;
    if (code !== undefined) {
      let cachedData: Buffer | undefined;
      try {
        cachedData = cacheFile ? fs.readFileSync(cacheFile) : undefined;
      } catch {
        cachedData = undefined; // none made (a checkout built with tsc only): compiled as usual
      }
      script = new vm.Script(code, { filename: file, ...(cachedData ? { cachedData } : {}) });
      const module = { exports: {} as PgliteModule };
      (script.runInThisContext() as (...args: unknown[]) => void)(
        module.exports, createRequire(file), module, file, path.dirname(file), (specifier: string) => import(specifier),
      );
      const source: CodeSource = !cachedData ? 'compiled' : script.cachedDataRejected ? 'refused' : 'cache';
      startMark(`PGlite's JavaScript loaded (code cache: ${source})`);
      return { lib: module.exports, source };
    }
  } catch {
    script = undefined; // loaded as the ES module below
  }
  const lib = await import('@electric-sql/pglite');
  startMark(`PGlite's JavaScript loaded (ES module)`);
  return { lib, source: 'module' };
}

/**
 * Writes the code cache of the script loadPglite compiled, with every function compiled since
 * (the build calls it after a start and its first statements). False when PGlite was loaded as
 * the ES module.
 */
export function writeCodeCache(file: string): boolean {
  if (!script) return false;
  fs.writeFileSync(file, script.createCachedData());
  return true;
}
