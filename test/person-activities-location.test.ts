// POST /v1/activities/create: an activity's location (source_ip, custom, address), and IP addresses
// resolved offline into the person's geo fields.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from './helpers/app.js';
import { define, definition } from './helpers/fixtures.js';
import { person, events } from './helpers/persons.js';

const getApp = useTestApp();

describe('location', () => {
  it('stores source_ip, applies an address to the person\'s fields, and refuses bad values per activity', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    const send = (location: unknown) => ({ activity_id: 'act:cm:ping', fields: { 'str::email': 'loc@example.com' }, location });
    const res = await api.post('/v1/activities/create', { activities: [
      send({ source_ip: '119.18.0.218' }),
      send({ address: { address1: '123 Main St', city: 'Melbourne', region: 'VIC', country: 'Australia', postal_code: '3000' } }),
      send({ source_ip: '999.1.1.1' }),
      send({ custom: { latitude: 91 } }),
      send({ custom: { timezone: 'Moon/Base' } }),
      send({ source_ip: '2001:db8::1' }),
      send({ planet: 'earth' }),
    ] });
    assert.deepEqual(res.body.activities.map((a: any) => a.error ?? a.status), [
      'ingested', 'ingested',
      'location.source_ip "999.1.1.1" is not an IPv4 or IPv6 address',
      'location.custom.latitude must be a number from -90 to 90',
      'location.custom.timezone "Moon/Base" is not an IANA time zone (e.g. Australia/Melbourne)',
      'ingested',
      'location.planet is not a valid element (use source_ip, custom or address)',
    ]);
    const p = await person(api, 'loc@example.com');
    assert.equal(p.fields['str::address'], '123 Main St');
    assert.equal(p.fields['geo::city'], 'Melbourne');
    assert.equal(p.fields['str::postal'], '3000');
    const ev = await events(api, p.id);
    const order = (l: any) => (l.source_ip ?? '') + (l.address ? 'address' : '');
    assert.deepEqual(ev.activities.map((e: any) => e.location).sort((x: any, y: any) => order(x).localeCompare(order(y))), [
      { source_ip: '119.18.0.218', resolved: { country: 'AU', region: 'NSW', city: 'Sydney', timezone: 'Australia/Sydney' } },
      { source_ip: '2001:db8::1' },
      { address: { address1: '123 Main St', city: 'Melbourne', region: 'VIC', country: 'Australia', postal_code: '3000' } },
    ]);
    assert.equal(ev.activities.length, 3);
  });
});

describe('IP location', () => {
  it('resolves an IPv4 source_ip offline into the person\'s geo fields; explicit fields win', async () => {
    const api = await getApp().newInstance();
    await define(api, definition('ping', [], { track_conversion_value: false }));
    await api.post('/v1/activities/create', { activities: [
      { activity_id: 'act:cm:ping', fields: { 'str::email': 'ip@example.com' }, location: { source_ip: '119.18.0.218' } },
      { activity_id: 'act:cm:ping', fields: { 'str::email': 'ip2@example.com', 'geo::city': 'Newcastle' }, location: { source_ip: '119.18.0.218' } },
    ] });
    const p = await person(api, 'ip@example.com');
    assert.equal(p.fields['geo::country'], 'AU');
    assert.equal(p.fields['geo::region'], 'NSW');
    assert.equal(p.fields['geo::city'], 'Sydney');
    assert.equal((await person(api, 'ip2@example.com')).fields['geo::city'], 'Newcastle');
  });
});
