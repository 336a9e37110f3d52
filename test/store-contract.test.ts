// The Db contract both drivers keep (src/store/db.ts), tested on the store the environment
// selects; for the embedded store that is PGlite in its worker thread (src/store/pglite.ts):
// values cross the thread as they went in, errors keep their SQLSTATE, a failed transaction
// writes nothing, retryable failures are retried, and concurrent transactions never interleave.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../src/store/db.js';
import { openPglite } from '../src/store/pglite.js';
import { MAX_TRANSACTION_ATTEMPTS, RetryTransaction } from '../src/store/sqlstate.js';
import { STORE_KIND, openTestDb, type TestDb } from './helpers/store.js';

let testDb: TestDb;
let db: Db;
before(async () => {
  testDb = await openTestDb();
  db = testDb.db;
  await db.exec('create table contract_log (n serial primary key, tx integer not null, step integer not null); create table contract_kv (k text primary key, v integer not null)');
});
after(() => testDb.drop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`the Db contract on the ${STORE_KIND} store`, () => {
  it('sends and returns values as pg does: text, numbers, booleans, dates, arrays, JSON, null', async () => {
    const when = new Date('2026-03-04T05:06:07.089Z');
    const [row] = await db.query<Record<string, unknown>>(
      `select $1::text as t, $2::integer as i, $3::bigint as big, $4::boolean as b, $5::timestamptz as ts,
              $6::text[] as arr, $7::jsonb as j, $8::jsonb as js, $9::text as nul, $10::numeric::text as num`,
      ['say "hi", \\ and {braces}', 42, 2 ** 40, false, when, ['a', 'b "q"', null, 'c,d'], { x: [1, 'y'], z: null }, JSON.stringify([1, 2]), null, 1.5],
    );
    assert.deepEqual(row, {
      t: 'say "hi", \\ and {braces}', i: 42, big: 2 ** 40, b: false, ts: when,
      arr: ['a', 'b "q"', null, 'c,d'], j: { x: [1, 'y'], z: null }, js: [1, 2], nul: null, num: '1.5',
    });
    // A named statement is planned once and then only bound and run.
    for (let i = 0; i < 7; i++) assert.deepEqual(await db.query('select $1::integer + 1 as n', [i], 'contract_plus_one'), [{ n: i + 1 }]);
  });

  it('gives errors their SQLSTATE; a failed transaction writes nothing; the store goes on', async () => {
    await db.query("insert into contract_kv values ('a', 1)");
    const failed = await db.transaction(async (tx) => {
      await tx.query("insert into contract_kv values ('b', 2)");
      await tx.query("insert into contract_kv values ('a', 3)");
    }).then(() => undefined, (e: unknown) => e as { code?: string; message: string });
    assert.equal(failed?.code, '23505', String(failed?.message));
    assert.deepEqual(await db.query('select k, v from contract_kv order by k'), [{ k: 'a', v: 1 }]);
    await assert.rejects(db.query('select * from no_such_table'), (e: { code?: string }) => e.code === '42P01');
    const thrown = new Error('not a database error');
    await assert.rejects(db.transaction(async (tx) => {
      await tx.query("insert into contract_kv values ('c', 1)");
      throw thrown;
    }), (e) => e === thrown);
    assert.deepEqual(await db.query('select count(*)::integer as n from contract_kv'), [{ n: 1 }]);
    // The first statement fails (on the embedded store it also carries the BEGIN); one that never ran any commits nothing.
    await assert.rejects(db.transaction(async (tx) => {
      await tx.query("insert into contract_kv values ('a', 4)");
    }), (e: { code?: string }) => e.code === '23505');
    assert.equal(await db.transaction(async () => 'no statement'), 'no statement');
    assert.deepEqual(await db.query('select k, v from contract_kv order by k'), [{ k: 'a', v: 1 }]);
  });

  it('retries a transaction that meets a serialization failure (40001)', async () => {
    let attempts = 0;
    const result = await db.transaction(async (tx) => {
      attempts++;
      await tx.query("insert into contract_kv values ('retried', $1)", [attempts]);
      if (attempts === 1) await tx.exec("do $$ begin raise exception 'conflict' using errcode = '40001'; end $$");
      return 'done';
    });
    assert.equal(result, 'done');
    assert.equal(attempts, 2);
    assert.deepEqual(await db.query("select v from contract_kv where k = 'retried'"), [{ v: 2 }]);
    // ... also when the failure is the transaction's first statement.
    attempts = 0;
    await db.transaction(async (tx) => {
      attempts++;
      if (attempts === 1) await tx.exec("do $$ begin raise exception 'conflict' using errcode = '40001'; end $$");
      await tx.query("insert into contract_kv values ('retried first', $1)", [attempts]);
    });
    assert.equal(attempts, 2);
    assert.deepEqual(await db.query("select v from contract_kv where k = 'retried first'"), [{ v: 2 }]);
  });

  it('runs fn again from the start when it throws RetryTransaction; after MAX_TRANSACTION_ATTEMPTS the caller gets it, and nothing is written', async () => {
    let attempts = 0;
    const result = await db.transaction(async (tx) => {
      attempts++;
      await tx.query("insert into contract_kv values ('asked', $1)", [attempts]);
      if (attempts < 3) throw new RetryTransaction('taken meanwhile');
      return 'done';
    });
    assert.equal(result, 'done');
    assert.equal(attempts, 3);
    assert.deepEqual(await db.query("select v from contract_kv where k = 'asked'"), [{ v: 3 }]);

    attempts = 0;
    const signal = new RetryTransaction('always taken');
    await assert.rejects(db.transaction(async (tx) => {
      attempts++;
      await tx.query("insert into contract_kv values ('never', $1)", [attempts]);
      throw signal;
    }), (e) => e === signal);
    assert.equal(attempts, MAX_TRANSACTION_ATTEMPTS);
    assert.deepEqual(await db.query("select v from contract_kv where k = 'never'"), []);
  });

  it('does not retry an error that only says "retry" in its text', async () => {
    let attempts = 0;
    await assert.rejects(db.transaction(async () => {
      attempts++;
      throw new Error('serialization failure: retry the transaction (40001)');
    }), /serialization failure/);
    assert.equal(attempts, 1);
  });

  it('keeps concurrent transactions whole: counters are exact, and on the embedded store their statements never interleave', async () => {
    await db.query("insert into contract_kv values ('counter', 0)");
    const n = 12;
    await Promise.all(Array.from({ length: n }, (_, t) => db.transaction(async (tx) => {
      const [row] = await tx.query<{ v: number }>("select v from contract_kv where k = 'counter' for update");
      for (let step = 0; step < 3; step++) {
        await tx.query('insert into contract_log (tx, step) values ($1, $2)', [t, step]);
        await sleep(t % 3); // other callers run meanwhile
      }
      await tx.query("update contract_kv set v = $1 where k = 'counter'", [row!.v + 1]);
    })));
    assert.deepEqual(await db.query("select v from contract_kv where k = 'counter'"), [{ v: n }]);
    const log = await db.query<{ tx: number; step: number }>('select tx, step from contract_log order by n');
    assert.equal(log.length, n * 3);
    if (db.kind === 'pglite') {
      for (let i = 0; i < log.length; i += 3) {
        assert.deepEqual(log.slice(i, i + 3).map((r) => r.step), [0, 1, 2], 'one transaction at a time');
        assert.ok(log.slice(i, i + 3).every((r) => r.tx === log[i]!.tx), 'one transaction at a time');
      }
      // A statement outside a transaction waits for the open one, and the closed handle refuses.
      let leaked: Db | undefined;
      const order: string[] = [];
      const inside = db.transaction(async (tx) => {
        leaked = tx as Db;
        await tx.query('select 1');
        await sleep(30);
        order.push('tx');
      });
      await sleep(5);
      await db.query('select 1');
      order.push('outside');
      await inside;
      assert.deepEqual(order, ['tx', 'outside']);
      await assert.rejects(leaked!.query('select 1'), /Transaction is closed/);

      // A transaction begins with its first statement: its work before that holds nothing.
      order.length = 0;
      const late = db.transaction(async (tx) => {
        await sleep(30);
        order.push('tx');
        await tx.query('select 1');
      });
      await sleep(5);
      await db.query('select 1');
      order.push('outside');
      await late;
      assert.deepEqual(order, ['outside', 'tx']);
    }
  });
});

describe('the embedded store in its thread', { skip: STORE_KIND !== 'pglite' && 'PGlite only' }, () => {
  it('dumps a data folder that opens again with its data', async () => {
    const image = await (db as Db & { dump(): Promise<Blob> }).dump();
    const copy = await openPglite(undefined, image);
    try {
      assert.deepEqual(await copy.query("select v from contract_kv where k = 'a'"), [{ v: 1 }]);
      await copy.query("update contract_kv set v = 9 where k = 'a'");
      assert.deepEqual(await db.query("select v from contract_kv where k = 'a'"), [{ v: 1 }], 'the copy is its own');
    } finally {
      await copy.close();
    }
    await assert.rejects(copy.query('select 1'), /closed/);
  });
});
