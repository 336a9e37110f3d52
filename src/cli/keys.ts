// `activity-cdp keys create|list|revoke`: direct store access, so against the embedded store it
// refuses while a server holds the data folder. Instance settings are `instances` (instances.ts).
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { parseFieldId } from '../domain/field-types.js';
import { isMergeStrategy, type MergeStrategy } from '../domain/merge.js';
import {
  DEFAULT_KEY_SETTINGS, addApiKey, createInstance, generateKey, instanceExists, listKeys, revokeKey,
  updateInstanceSettings,
} from '../store/instances.js';
import { openStore } from '../store/open.js';
import { profileOption } from './instances.js';
import { CliError, table } from './output.js';

export const KEYS_HELP = `Usage: activity-cdp keys <command>

  keys create [--instance ID] [--name NAME] [--merge-by FIELD[,FIELD]]
              [--account-merge-by FIELD[,FIELD]] [--merge-strategy 1|2|3]
              [--profile docs|production-2025]
      Make an API key. Without --instance it gets a new instance of its own
      (--profile sets that new instance's Ortto response profile).
      Prints the key once; only its hash is stored.
  keys list     Every key: id, instance, settings, state (no part of a key is stored).
  keys revoke ID_OR_KEY
      Stop a key from working (by its id from "keys list", or the key itself).`;

function mergeBy(value: string | undefined, option: string, namespace: 'person' | 'account'): string[] | undefined {
  if (value === undefined) return undefined;
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length < 1 || ids.length > 2) throw new CliError(`${option} takes one or two field IDs, e.g. str::email or str::email,str::phone`);
  for (const id of ids) {
    const f = parseFieldId(id);
    const fits = f && (namespace === 'person' ? f.namespace === '' || f.namespace === 'cm' : f.namespace === 'o' || f.namespace === 'oc');
    if (!fits) throw new CliError(`${option}: "${id}" is not a ${namespace} field ID`);
  }
  return ids;
}

export async function keysCommand(config: Config, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === 'help') {
    console.log(KEYS_HELP);
    return;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      instance: { type: 'string' },
      name: { type: 'string' },
      'merge-by': { type: 'string' },
      'account-merge-by': { type: 'string' },
      'merge-strategy': { type: 'string' },
      profile: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(KEYS_HELP);
    return;
  }
  const store = await openStore(config, `activity-cdp keys ${sub}`, { mustExist: true });
  try {
    const { db } = store;
    switch (sub) {
      case 'create': {
        const strategy = values['merge-strategy'] === undefined ? DEFAULT_KEY_SETTINGS.mergeStrategy : Number(values['merge-strategy']);
        if (!isMergeStrategy(strategy)) throw new CliError('--merge-strategy must be 1 (append only), 2 (overwrite) or 3 (ignore)');
        const settings = {
          personMergeBy: mergeBy(values['merge-by'], '--merge-by', 'person') ?? DEFAULT_KEY_SETTINGS.personMergeBy,
          accountMergeBy: mergeBy(values['account-merge-by'], '--account-merge-by', 'account') ?? DEFAULT_KEY_SETTINGS.accountMergeBy,
          mergeStrategy: strategy as MergeStrategy,
        };
        const profile = profileOption(values.profile);
        const key = generateKey();
        const instanceId = await db.transaction(async (tx) => {
          let id = values.instance;
          if (id !== undefined) {
            if (!(await instanceExists(tx, id))) throw new CliError(`no instance ${id} (see "activity-cdp keys list")`);
            if (profile !== undefined) await updateInstanceSettings(tx, id, { profile });
          } else {
            id = await createInstance(tx, values.name ?? 'default', { profile: profile ?? null });
          }
          await addApiKey(tx, id, key, settings);
          return id;
        });
        console.log(`instance ${instanceId}\nkey      ${key}\n(shown only now: the store keeps only its hash)`);
        return;
      }
      case 'list': {
        const keys = await listKeys(db);
        console.log(table(keys.map((k) => ({
          id: k.id,
          instance: k.instanceId,
          name: k.instanceName,
          merge_by: k.personMergeBy.join(','),
          account_merge_by: k.accountMergeBy.join(','),
          strategy: String(k.mergeStrategy),
          state: k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active',
        }))));
        return;
      }
      case 'revoke': {
        const target = positionals[0];
        if (!target) throw new CliError('keys revoke needs a key id (from "keys list") or the key itself');
        if (!(await revokeKey(db, target))) throw new CliError('no active key matches that id or key');
        console.log('revoked');
        return;
      }
      default:
        throw new CliError(`unknown command "keys ${sub}"\n\n${KEYS_HELP}`);
    }
  } finally {
    await store.close();
  }
}
