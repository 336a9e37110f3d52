// Setting up a bench run through the API: the definitions, then the existing persons and
// accounts the load runs against.
import { Pool } from 'undici';
import type { ServerHandle } from './server.js';
import { DEFINITIONS, seedBody, type Subject } from './workload.js';

export async function post(baseUrl: string, apiKey: string, p: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(baseUrl + p, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // kept as text
  }
  return { status: res.status, body: parsed };
}

export async function createDefinitions(server: ServerHandle, apiKey: string): Promise<void> {
  for (const d of DEFINITIONS) {
    const res = await post(server.baseUrl, apiKey, '/v1/definitions/activity/create', d);
    if (res.status !== 200) throw new Error(`creating definition ${d.name}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/**
 * Seeds `count` records through the API: requests of 100 new records each, 4 in flight. The API
 * rather than SQL, because then the records are exactly what the server makes (identity rows,
 * fields, indexes, an event each), whatever its schema is today; it costs seconds per 100 000.
 */
export async function seed(server: ServerHandle, apiKey: string, subject: Subject, count: number, log: (...a: unknown[]) => void): Promise<{ seconds: number; errors: number; samples: string[] }> {
  const p = subject === 'person' ? '/v1/activities/create' : '/v1/accounts/activities/create';
  const pool = new Pool(server.baseUrl, { connections: 4 });
  let next = 0;
  let errors = 0;
  const samples: string[] = [];
  const t0 = performance.now();
  let lastLog = t0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let from = next; from < count; from = next) {
        next += 100;
        const res = await pool.request({
          path: p, method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
          body: seedBody(subject, from, Math.min(from + 100, count)),
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) {
          errors += Math.min(100, count - from);
          if (samples.length < 3) samples.push(`${res.statusCode} ${text.slice(0, 300)}`);
          continue;
        }
        for (const a of (JSON.parse(text) as { activities: Array<{ status: string; error?: string }> }).activities) {
          if (a.status !== 'ingested') {
            errors++;
            if (samples.length < 3) samples.push(JSON.stringify(a));
          }
        }
        if (performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          log(`  seeded ${next} / ${count} ${subject}s`);
        }
      }
    }),
  );
  await pool.close();
  return { seconds: (performance.now() - t0) / 1000, errors, samples };
}
