// `activity-cdp emulator`: the server as a local Ortto stand-in for an app's tests. An in-memory
// embedded store (unless --data-dir), the emulator API under /_emulator, and one ready line with
// the address and a key (--json: one JSON line for scripts).
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadEmulatorConfig, type EmulatorSettings } from '../config.js';
import type { Emulator } from '../emulator/emulator.js';
import { generateKey, hashKeysAhead } from '../store/instances.js';
import { openMemoryStore, openStore } from '../store/open.js';
import { CliError } from './output.js';
import { installShutdown, startServer, type RunningServer } from './serve.js';
import { startMark } from '../start-trace.js';

export const EMULATOR_HELP = `Usage: activity-cdp emulator [options]

A local Ortto stand-in for tests: the custom-activities API on an in-memory store, with the
emulator API under /_emulator (instances, reset, request journal, drain, clock, faults, snapshot).
Prints one ready line with the address and an API key.

Options (each also an environment variable):
  --port N           Port; 0 = a free one (PORT, default 8080)
  --host H           Interface to bind (HOST, default 127.0.0.1)
  --key K            A fixed API key (8+ printable characters); repeat for more instances
                     (EMULATOR_KEYS, comma-separated; default: one generated key)
  --profile P        docs | production-2025: how instances answer unless POST /_emulator/instances
                     names another (EMULATOR_PROFILE, default docs)
  --seed FILE        A snapshot (from GET /_emulator/snapshot) loaded into the start instances
                     (EMULATOR_SEED_FILE)
  --data-dir DIR     Keep the store in DIR instead of memory (EMULATOR_DATA_DIR); give a --key
                     too, to reach the same instance on the next start
  --json             Print the ready line as one JSON line {"url", "api_key"} (EMULATOR_JSON)
  -h, --help         This help

Logs go to stdout at LOG_LEVEL (default warn). API docs: <url>/docs, OpenAPI: <url>/openapi.json.`;

export interface EmulatorStart {
  server: RunningServer;
  url: string;
  /** The first start key (fixed or generated). */
  apiKey: string;
  keys: string[];
}

function readSeed(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`--seed ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`, 1);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new CliError(`--seed ${file}: not valid JSON (${(error as Error).message})`, 1);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || (doc as Record<string, unknown>)['version'] !== 1) {
    throw new CliError('--seed: the file must be a snapshot document ({"version": 1, ...}, as GET /_emulator/snapshot gives)', 1);
  }
  return doc;
}

/** Makes sure each start key has an instance, and loads the seed into them. */
async function prepareInstances(emulator: Emulator, settings: EmulatorSettings, seed: unknown, generatedKey: string | undefined): Promise<string[]> {
  const keys = settings.keys.length > 0 ? settings.keys : [];
  const made: string[] = [];
  const instanceIds: string[] = [];
  if (generatedKey !== undefined) {
    const created = await emulator.createInstance({ profile: settings.profile, api_key: generatedKey });
    made.push(created.api_key);
    instanceIds.push(created.instance_id);
  }
  for (const key of keys) {
    made.push(key);
    if (await emulator.keyExists(key)) continue; // a kept --data-dir: the instance is there
    instanceIds.push((await emulator.createInstance({ profile: settings.profile, api_key: key })).instance_id);
  }
  if (seed !== undefined) {
    const doc = seed as Record<string, unknown>;
    for (const id of instanceIds) {
      try {
        await emulator.load(id, doc as never);
      } catch (error) {
        throw new CliError(`--seed: the snapshot was refused: ${(error as Error).message}`, 1);
      }
    }
  }
  return made;
}

/**
 * Starts the emulator (the command and the in-process test helper share it). The start instances
 * are made once the server listens, so a failed start leaves no instance behind whose key was
 * never shown; the ready line follows them.
 */
export async function startEmulatorServer(
  config: ReturnType<typeof loadEmulatorConfig>['config'], settings: EmulatorSettings, logger?: false,
): Promise<EmulatorStart> {
  const seed = settings.seedFile ? readSeed(settings.seedFile) : undefined;
  // The start keys (or the one generated) are hashed while the store opens.
  const generatedKey = settings.keys.length === 0 ? generateKey() : undefined;
  hashKeysAhead(generatedKey !== undefined ? [generatedKey] : settings.keys);
  const server = await startServer(config, {
    openStore: settings.dataDir ? () => openStore(config, 'emulator') : openMemoryStore,
    emulatorProfile: settings.profile,
    ...(logger === false ? { logger: false } : {}),
  });
  try {
    const keys = await prepareInstances(server.emulator!, settings, seed, generatedKey);
    startMark('start instances made');
    return { server, url: server.address, apiKey: keys[0]!, keys };
  } catch (error) {
    await server.close().catch(() => {});
    throw error;
  }
}

export async function emulatorCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' }, host: { type: 'string' }, key: { type: 'string', multiple: true },
      profile: { type: 'string' }, seed: { type: 'string' }, 'data-dir': { type: 'string' },
      json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(EMULATOR_HELP + '\n');
    process.exit(0);
  }
  const { config, emulator } = loadEmulatorConfig(values);
  let started: EmulatorStart;
  try {
    started = await startEmulatorServer(config, emulator);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new CliError(`port ${config.port} on ${config.host} is taken: choose another with --port (or PORT), or --port 0 for a free one`, 1);
    }
    throw error;
  }
  installShutdown(started.server);
  const { url, apiKey } = started;
  if (emulator.json) {
    process.stdout.write(JSON.stringify({ url, api_key: apiKey }) + '\n');
  } else {
    const more = started.keys.length > 1 ? ` (+${started.keys.length - 1} more instances)` : '';
    process.stdout.write(
      `activity-cdp emulator ready on ${url}  api key: ${apiKey}${more}  (${emulator.dataDir ? `store ${emulator.dataDir}` : 'in memory'}, ` +
      `${started.server.ms} ms; docs ${url}/docs, OpenAPI ${url}/openapi.json)\n`,
    );
  }
}
