// Where the bench database's transactions spend a level (PostgreSQL only): pg_stat_activity is
// sampled every 50 ms on a connection of its own, and each backend inside a transaction is counted
// as one of
// - running: executing a statement;
// - lock: waiting for a lock another transaction holds (a record row its batch also names);
// - server: idle in transaction, or reading a statement's message, i.e. waiting for the server to
//   send the transaction's next statement (the server's JavaScript between statements, and its
//   turn on the event loop behind other requests' work);
// - other: any other wait (I/O, LWLock, commit's WAL flush).
// The shares say what holds a transaction up. The sync figures are limited by the time a batch holds
// its records' locks, while a second batch waits for them: the lock share, with what the holder does
// meanwhile (running, or waiting for the server).
import pg from 'pg';

/** The application_name of the harness's own connections to the bench database, which the samples leave out. */
export const BENCH_APPLICATION_NAME = 'activity-cdp-bench';

export interface PgStates {
  /** Samples taken. */
  samples: number;
  /** Backends inside a transaction, on average per sample. */
  inTransaction: number;
  /** Shares (0..1) of the backend-samples inside a transaction. */
  running: number;
  lock: number;
  server: number;
  other: number;
}

type StateKind = 'running' | 'lock' | 'server' | 'other';

interface Row {
  state: string | null;
  wait_event_type: string | null;
}

export class PgStateSampler {
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private samples = 0;
  private counts: Record<StateKind, number> = { running: 0, lock: 0, server: 0, other: 0 };

  constructor(private readonly url: string, private readonly database: string, private readonly intervalMs = 50) {}

  /** Connects (before the level, so that connecting is not in it). */
  async connect(): Promise<void> {
    this.client = new pg.Client({ connectionString: this.url, application_name: BENCH_APPLICATION_NAME });
    await this.client.connect();
  }

  /** Starts sampling (when the level starts). */
  begin(): void {
    this.timer ??= setInterval(() => void this.sample(), this.intervalMs);
  }

  private async sample(): Promise<void> {
    if (this.busy || !this.client) return;
    this.busy = true;
    try {
      const r = await this.client.query<Row>(
        `select state, wait_event_type from pg_stat_activity
          where datname = $1 and pid <> pg_backend_pid() and backend_type = 'client backend' and state <> 'idle'
            and application_name <> $2`,
        [this.database, BENCH_APPLICATION_NAME],
      );
      this.samples++;
      for (const row of r.rows) {
        const kind = classify(row);
        if (kind) this.counts[kind]++;
      }
    } catch {
      // a sample lost at the end of the level; the others stand
    } finally {
      this.busy = false;
    }
  }

  async stop(): Promise<PgStates | undefined> {
    if (this.timer) clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 5));
    await this.client?.end().catch(() => {});
    const total = this.counts.running + this.counts.lock + this.counts.server + this.counts.other;
    if (this.samples === 0 || total === 0) return undefined;
    return {
      samples: this.samples, inTransaction: total / this.samples,
      running: this.counts.running / total, lock: this.counts.lock / total, server: this.counts.server / total, other: this.counts.other / total,
    };
  }
}

function classify(row: Row): StateKind | undefined {
  if (row.state === 'idle in transaction' || row.state === 'idle in transaction (aborted)') return 'server';
  if (row.state !== 'active') return undefined; // fastpath, disabled: not this server's
  if (row.wait_event_type === null) return 'running';
  if (row.wait_event_type === 'Lock') return 'lock';
  if (row.wait_event_type === 'Client') return 'server';
  return 'other';
}

/** "run 40 / lock 35 / server 23 / other 2 %" */
export function describeStates(s: PgStates | undefined): string {
  if (!s) return '—';
  const p = (v: number) => Math.round(v * 100);
  return `run ${p(s.running)} / lock ${p(s.lock)} / server ${p(s.server)} / other ${p(s.other)} % (${(Math.round(s.inTransaction * 10) / 10).toString()} in txn)`;
}
