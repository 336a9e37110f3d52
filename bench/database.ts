// The bench database on the local PostgreSQL: a fresh `bench_<timestamp>` cloned from the `test`
// database (so it has whatever that one has), dropped at the end. Only 127.0.0.1 is used.
import pg from 'pg';

export interface BenchDatabase {
  name: string;
  url: string;
  /** How it was made (template used), for the results. */
  createdFrom: string;
  drop(): Promise<void>;
}

function withDb(serverUrl: string, db: string): string {
  const u = new URL(serverUrl);
  u.pathname = '/' + db;
  return u.toString();
}

export async function createBenchDatabase(serverUrl: string, template: string): Promise<BenchDatabase> {
  const stamp = new Date().toISOString().replace(/[-:TZ.]/g, '').slice(0, 14);
  const name = `bench_${stamp}`;
  if (!/^[a-z0-9_]+$/.test(template)) throw new Error(`bad template name ${template}`);
  const admin = new pg.Client({ connectionString: withDb(serverUrl, 'postgres') });
  await admin.connect();
  let createdFrom = template;
  try {
    // A template must have no other sessions while it is copied; other developers' tests connect
    // to `test` briefly, so retry for a while before falling back to an empty database.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${template}`);
        break;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === '55006' && attempt < 40) {
          await new Promise((r) => setTimeout(r, 250));
          continue;
        }
        if (code === '55006' || code === '3D000') {
          createdFrom = `template1 (template ${template}: ${(error as Error).message})`;
          await admin.query(`create database ${name}`);
          break;
        }
        throw error;
      }
    }
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDb(serverUrl, name),
    createdFrom,
    async drop() {
      const c = new pg.Client({ connectionString: withDb(serverUrl, 'postgres') });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
