// What the client commands (definitions, import, export) share: where the API is, the key, and
// turning the SDK's typed errors into plain words. These commands talk HTTP through the SDK, so
// they work against an activity-cdp server or against Ortto itself.
import {
  ActivityCdpError, ActivityClient, REGION_BASE_URLS, type Region,
} from '../../packages/client/src/index.js';
import { CliError } from './output.js';

export const CONNECTION_OPTIONS = {
  'base-url': { type: 'string' },
  region: { type: 'string' },
  'api-key': { type: 'string' },
  'timeout-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const CONNECTION_HELP = `Connection (every client command):
  --base-url URL    An activity-cdp server, e.g. http://127.0.0.1:8080
                    (or set ACTIVITY_CDP_BASE_URL)
  --region REGION   Ortto itself instead: default, au or eu
  --api-key KEY     The API key (or set ACTIVITY_CDP_API_KEY, which keeps it out of
                    your shell history)
  --timeout-ms N    Give up on one attempt after N ms (default 30000); network errors,
                    timeouts, 5xx and 429 are retried up to 3 times`;

export interface ConnectionValues {
  'base-url'?: string | undefined;
  region?: string | undefined;
  'api-key'?: string | undefined;
  'timeout-ms'?: string | undefined;
}

/**
 * The client commands' only environment reads (the server's settings are read in src/config.ts
 * alone; these belong to the client side, which has no Config): ACTIVITY_CDP_API_KEY and
 * ACTIVITY_CDP_BASE_URL, each a fallback for its flag.
 */
export function clientEnv(env: Record<string, string | undefined> = process.env): { apiKey?: string; baseUrl?: string } {
  const out: { apiKey?: string; baseUrl?: string } = {};
  if (env['ACTIVITY_CDP_API_KEY']) out.apiKey = env['ACTIVITY_CDP_API_KEY'];
  if (env['ACTIVITY_CDP_BASE_URL']) out.baseUrl = env['ACTIVITY_CDP_BASE_URL'];
  return out;
}

export function clientFrom(values: ConnectionValues, env = clientEnv()): ActivityClient {
  const apiKey = values['api-key'] ?? env.apiKey;
  if (!apiKey) throw new CliError('no API key: pass --api-key KEY or set ACTIVITY_CDP_API_KEY');
  const region = values.region;
  if (region !== undefined && !(region in REGION_BASE_URLS)) {
    throw new CliError(`--region must be one of: ${Object.keys(REGION_BASE_URLS).join(', ')} (got "${region}")`);
  }
  const baseUrl = values['base-url'] ?? (region === undefined ? env.baseUrl : undefined);
  if (baseUrl === undefined && region === undefined) {
    throw new CliError('where is the API? Pass --base-url URL for an activity-cdp server (e.g. http://127.0.0.1:8080), or --region default|au|eu for Ortto');
  }
  if (baseUrl !== undefined && !/^https?:\/\/[^/]/.test(baseUrl)) {
    throw new CliError(`--base-url must be an http:// or https:// URL (got "${baseUrl}")`);
  }
  let timeoutMs: number | undefined;
  if (values['timeout-ms'] !== undefined) {
    timeoutMs = Number(values['timeout-ms']);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new CliError('--timeout-ms must be a whole number of milliseconds');
  }
  return new ActivityClient({
    apiKey,
    ...(baseUrl !== undefined ? { baseUrl } : { region: region as Region }),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}

/** The SDK's error in plain words, with what to do about it. */
export function explain(error: ActivityCdpError, baseUrl: string): string {
  const ref = error.request_id ? ` (request_id ${error.request_id})` : '';
  switch (error.code) {
    case 'network_error':
      return `${error.message}. Is the server running, and is the address (${baseUrl}) right?`;
    case 'timeout':
      return `${error.message}, after ${error.attempts} attempt${error.attempts === 1 ? '' : 's'}. Try again, or raise --timeout-ms`;
    case 'unauthorized':
      return `the API key was refused: ${error.message}. Check --api-key or ACTIVITY_CDP_API_KEY${ref}`;
    case 'rate_limited':
      return `the server is rate-limiting this key${error.tryInSeconds !== undefined ? ` (try again in ${error.tryInSeconds} s)` : ''}${ref}`;
    case 'not_found':
    case 'method_not_allowed':
      return `${error.message}: is ${baseUrl} an activity-cdp server or Ortto's API?${ref}`;
    default:
      return error.status >= 500
        ? `the server failed (HTTP ${error.status}): ${error.message}${ref}`
        : `${error.message}${ref}`;
  }
}

/** Runs one API call, turning its typed error into a CliError in plain words. */
export async function api<T>(client: ActivityClient, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ActivityCdpError) throw new CliError(explain(error, client.baseUrl));
    throw error;
  }
}
