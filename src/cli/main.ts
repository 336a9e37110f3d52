// The `activity-cdp` command.
import { ConfigError, loadConfig } from '../config.js';
import { CitusWorkerNodeError } from '../store/citus.js';
import { DataDirLockedError } from '../store/data-dir-lock.js';
import { NoStoreError } from '../store/store-image.js';
import { CliError } from './output.js';
import { SERVE_HELP, WORKER_HELP, startupFailure, version } from './startup.js';
import { startMark } from '../start-trace.js';

startMark('main bundle evaluated');

const HELP = `activity-cdp: a custom-activities store with Ortto's API

Usage: activity-cdp <command> [options]

Server:
  serve                Serve the API (settings from the environment; see README)
  emulator             A local Ortto stand-in for tests: in memory, with /_emulator (see --help)
  worker               Drain the async queue only (scale-out on PostgreSQL)
  keys ...             Manage API keys (create, list, revoke)
  instances ...        Per-instance limits
  citus distribute     Distribute the tables on a Citus coordinator (see README)

Client (over HTTP, against this server or Ortto; --base-url or --region, --api-key):
  definitions ...      Activity definitions: create -f FILE, list, archive ID
  import FILE          Send a file of activity events (NDJSON or CSV), with a rejects file
  export               Activity events as NDJSON (--person ID, --account ID, or all)

Run "activity-cdp <command> --help" for a command's options; "activity-cdp --version" for the version.`;

/** Whether a command's arguments ask for its help (then nothing is opened or started). */
const wantsHelp = (args: string[]) => args.includes('--help') || args.includes('-h') || args[0] === 'help';

function configuredDatabaseUrl(): string | undefined {
  try {
    return loadConfig().databaseUrl;
  } catch {
    return undefined;
  }
}

function help(text: string): number {
  console.log(text);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        if (wantsHelp(rest)) return help(SERVE_HELP);
        await (await import('./serve.js')).serve(loadConfig());
        return -1; // keeps running until a signal
      case 'emulator':
        await (await import('./emulator.js')).emulatorCommand(rest);
        return -1; // keeps running until a signal
      case 'worker':
        if (wantsHelp(rest)) return help(WORKER_HELP);
        await (await import('./worker.js')).runWorker(loadConfig());
        return -1; // keeps running until a signal
      case 'keys':
        if (wantsHelp(rest)) return help((await import('./keys.js')).KEYS_HELP);
        await (await import('./keys.js')).keysCommand(loadConfig(), rest);
        return 0;
      case 'instances':
        if (wantsHelp(rest)) return help((await import('./instances.js')).INSTANCES_HELP);
        await (await import('./instances.js')).instancesCommand(loadConfig(), rest);
        return 0;
      case 'citus':
        await (await import('./citus.js')).citusCommand(loadConfig(), rest);
        return 0;
      case 'definitions':
        await (await import('./definitions.js')).definitionsCommand(rest);
        return 0;
      case 'import':
        await (await import('./import.js')).importCommand(rest);
        return typeof process.exitCode === 'number' ? process.exitCode : 0;
      case 'export':
        await (await import('./export.js')).exportCommand(rest);
        return 0;
      case '--version':
      case '-v':
      case 'version':
        console.log(version());
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(HELP);
        return command === undefined ? 1 : 0;
      default:
        console.error(`activity-cdp: unknown command "${command}"\n\n${HELP}`);
        return 1;
    }
  } catch (error) {
    if (error instanceof CliError || error instanceof ConfigError || error instanceof DataDirLockedError || error instanceof CitusWorkerNodeError || error instanceof NoStoreError) {
      console.error(`activity-cdp: ${error.message}`);
      return error instanceof CliError ? error.exitCode : 1;
    }
    if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`activity-cdp: ${error.message}`);
      return 1;
    }
    // A start-up failure with a known cause (port taken, database missing, ...) is one line with
    // the fix; anything else still says what failed without a stack trace unless DEBUG is asked.
    console.error(`activity-cdp: ${startupFailure(error, configuredDatabaseUrl())}`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
