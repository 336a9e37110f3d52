// The `location` element of an activity: an IP address, a custom place, or a postal address.
// Stored with the event and reflected in the record's geo fields.
import { isIP } from 'node:net';
import { err, ok, type Result } from './result.js';
import type { Subject } from './subjects.js';
import { isValidTimeZone } from './values.js';

export interface IpLocation {
  country?: string;
  region?: string;
  city?: string;
  timezone?: string;
}

export interface Location {
  source_ip?: string;
  custom?: Record<string, string | number>;
  address?: Record<string, string>;
  /** Filled from an offline IP database when source_ip resolves. */
  resolved?: IpLocation;
}

// city and postal_code: recorded as accepted by real Ortto (200).
const CUSTOM_STRINGS = ['name', 'city', 'region', 'country', 'country_code', 'postal_code', 'timezone'];
const ADDRESS_STRINGS = ['address1', 'city', 'region', 'country', 'postal_code'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(obj: Record<string, unknown>, allowed: string[], element: string): Result<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === null || v === undefined) continue;
    if (!allowed.includes(k)) {
      if (element === 'location.custom' && (k === 'latitude' || k === 'longitude')) continue;
      return err(`${element}.${k} is not a valid element (use ${allowed.join(', ')})`);
    }
    if (typeof v !== 'string') return err(`${element}.${k} must be a string`);
    if (v.length > 255) return err(`${element}.${k} is longer than 255 characters`);
    if (v !== '') out[k] = v;
  }
  return ok(out);
}

/**
 * Undefined when no location was given (absent, {}, or every member null). `ipLocations` holds
 * what an offline IP database said of the IPs of the batch.
 */
export function parseLocation(value: unknown, ipLocations: ReadonlyMap<string, IpLocation> = new Map()): Result<Location | undefined> {
  if (value === undefined || value === null) return ok(undefined);
  if (!isObject(value)) return err('location must be an object');
  const loc: Location = {};
  for (const key of Object.keys(value)) {
    if (!['source_ip', 'custom', 'address'].includes(key)) return err(`location.${key} is not a valid element (use source_ip, custom or address)`);
  }
  const ip = value['source_ip'];
  if (ip !== undefined && ip !== null && ip !== '') {
    if (typeof ip !== 'string' || isIP(ip) === 0) return err(`location.source_ip "${String(ip)}" is not an IPv4 or IPv6 address`);
    loc.source_ip = ip;
    const resolved = ipLocations.get(ip);
    if (resolved) loc.resolved = resolved;
  }
  const custom = value['custom'];
  if (custom !== undefined && custom !== null) {
    if (!isObject(custom)) return err('location.custom must be an object');
    const s = strings(custom, CUSTOM_STRINGS, 'location.custom');
    if (!s.ok) return s;
    const c: Record<string, string | number> = { ...s.value };
    for (const [k, min, max] of [['latitude', -90, 90], ['longitude', -180, 180]] as const) {
      const v = custom[k];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) return err(`location.custom.${k} must be a number from ${min} to ${max}`);
      c[k] = v;
    }
    if (typeof c['timezone'] === 'string' && !isValidTimeZone(c['timezone'])) {
      return err(`location.custom.timezone "${c['timezone']}" is not an IANA time zone (e.g. Australia/Melbourne)`);
    }
    if (Object.keys(c).length > 0) loc.custom = c;
  }
  const address = value['address'];
  if (address !== undefined && address !== null) {
    if (!isObject(address)) return err('location.address must be an object');
    const s = strings(address, ADDRESS_STRINGS, 'location.address');
    if (!s.ok) return s;
    if (Object.keys(s.value).length > 0) loc.address = s.value;
  }
  return ok(Object.keys(loc).length > 0 ? loc : undefined);
}

/** The record fields a location implies; explicit fields in the request win over these. */
export function locationFields(loc: Location | undefined, subject: Subject): Record<string, string> {
  if (!loc) return {};
  const out: Record<string, string> = {};
  const set = (field: string, value: unknown) => {
    if (typeof value === 'string' && value !== '') out[field] = value;
  };
  if (loc.resolved) {
    set(subject.geo.country, loc.resolved.country);
    set(subject.geo.region, loc.resolved.region);
    set(subject.geo.city, loc.resolved.city);
  }
  if (loc.custom) {
    set(subject.geo.country, loc.custom['country']);
    set(subject.geo.region, loc.custom['region']);
    set(subject.geo.city, loc.custom['city']);
    set(subject.geo.city, loc.custom['name']);
    set(subject.geo.postal, loc.custom['postal_code']);
  }
  if (loc.address) {
    set(subject.geo.address, loc.address['address1']);
    set(subject.geo.city, loc.address['city']);
    set(subject.geo.region, loc.address['region']);
    set(subject.geo.country, loc.address['country']);
    set(subject.geo.postal, loc.address['postal_code']);
  }
  return out;
}
