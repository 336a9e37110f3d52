// `activity-cdp citus distribute`: on a Citus coordinator, distributes every tenant table by
// instance_id and makes instances, api_keys and schema_migrations reference tables, for whatever
// is not so yet (migrations do the same at every start; this is for a store that gained Citus).
import type { Config } from '../config.js';
import { citusInstalled, citusTableKinds, distributeTables } from '../store/citus.js';
import { openStore } from '../store/open.js';
import { CliError } from './output.js';

export const CITUS_HELP = `Usage: activity-cdp citus distribute

  citus distribute   On a Citus coordinator (DATABASE_URL): distribute the tenant tables by
                     instance_id (colocated) and make instances, api_keys and schema_migrations
                     reference tables, where not done yet. Prints each table's placement.`;

export async function citusCommand(config: Config, argv: string[]): Promise<void> {
  const [sub] = argv;
  if (!sub || sub === '--help' || sub === 'help') {
    console.log(CITUS_HELP);
    return;
  }
  if (sub !== 'distribute') throw new CliError(`citus: unknown command "${sub}"\n\n${CITUS_HELP}`);
  if (!config.databaseUrl) throw new CliError('citus distribute needs DATABASE_URL pointing at a Citus coordinator');
  const store = await openStore(config, 'citus distribute');
  try {
    if (!(await citusInstalled(store.db))) throw new CliError('the citus extension is not installed in this database (create extension citus on every node first)');
    const done = await distributeTables(store.db);
    for (const t of await citusTableKinds(store.db)) console.log(`${t.table}\t${t.kind}`);
    console.log(`newly distributed: ${done.distributed.length}, newly reference: ${done.reference.length}`);
  } finally {
    await store.close();
  }
}
