// Offline IP geolocation (fast-geoip: MaxMind GeoLite2 data shipped in the package, read lazily
// from disk, a few ms per uncached look-up). Distinct IPs of a batch are resolved once, in
// parallel: by a synchronous request before its transaction, by the worker inside its claim's
// transaction. Results are cached. A failure only means no resolved location: the IP is stored
// with the event either way.
import { isIP } from 'node:net';
import type { IpLocation } from '../domain/location.js';

const CACHE_SIZE = 10_000;
const cache = new Map<string, IpLocation | null>();

type Lookup = (ip: string) => Promise<{ country: string; region: string; city: string; timezone: string } | null>;
let lookup: Promise<Lookup | undefined> | undefined;

function loadLookup(): Promise<Lookup | undefined> {
  lookup ??= import('fast-geoip').then(
    (m) => ((m as unknown as { default: { lookup: Lookup } }).default ?? (m as unknown as { lookup: Lookup })).lookup,
    () => undefined,
  );
  return lookup;
}

async function resolveOne(ip: string): Promise<IpLocation | null> {
  const hit = cache.get(ip);
  if (hit !== undefined) return hit;
  let result: IpLocation | null = null;
  try {
    const fn = await loadLookup();
    const r = fn ? await fn(ip) : null;
    if (r) {
      result = {};
      if (r.country) result.country = r.country;
      if (r.region) result.region = r.region;
      if (r.city) result.city = r.city;
      if (r.timezone) result.timezone = r.timezone;
    }
  } catch {
    result = null;
  }
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(ip, result);
  return result;
}

/** The source_ip values of raw activities, resolved. */
export async function resolveIps(activities: unknown[], enabled: boolean): Promise<Map<string, IpLocation>> {
  const out = new Map<string, IpLocation>();
  if (!enabled) return out;
  const ips = new Set<string>();
  for (const a of activities) {
    const ip = (a as { location?: { source_ip?: unknown } } | null)?.location?.source_ip;
    // IPv4 only: the bundled database answers IPv6 addresses wrongly, so they are stored unresolved.
    if (typeof ip === 'string' && isIP(ip) === 4) ips.add(ip);
  }
  await Promise.all([...ips].map(async (ip) => {
    const r = await resolveOne(ip);
    if (r && Object.keys(r).length > 0) out.set(ip, r);
  }));
  return out;
}
