// `activity-cdp instances set`: per-instance limits and response profile, by direct store access,
// so against the embedded store it refuses while a server holds the data folder.
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { PROFILE_NAMES, isProfileName } from '../domain/profiles.js';
import { updateInstanceSettings } from '../store/instances.js';
import { openStore } from '../store/open.js';
import { setEventRetention } from '../store/retention.js';
import { CliError } from './output.js';

export const INSTANCES_HELP = `Usage: activity-cdp instances <command>

  instances set ID [--max-custom-activities N|default] [--activity-daily-limit N|default]
                   [--event-retention-days N|default] [--profile docs|production-2025|default]
      Per-instance limits and Ortto response profile; "default" returns to the server's setting.
      Events older than --event-retention-days (by their created time) are deleted by the worker;
      default keeps them.`;

/** --profile: a profile name, "default" (null: the server's ORTTO_PROFILE), or not given. */
export function profileOption(value: string | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'default') return null;
  if (!isProfileName(value)) throw new CliError(`--profile must be one of ${PROFILE_NAMES.join(', ')} or "default", got "${value}"`);
  return value;
}

function limit(value: string | undefined, option: string, min: number): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'default') return null;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new CliError(`${option} must be an integer >= ${min} or "default"`);
  return Number(value);
}

export async function instancesCommand(config: Config, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'set') {
    console.log(INSTANCES_HELP);
    if (sub && sub !== '--help' && sub !== 'help') throw new CliError(`unknown command "instances ${sub}"`);
    return;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { 'max-custom-activities': { type: 'string' }, 'activity-daily-limit': { type: 'string' }, 'event-retention-days': { type: 'string' }, profile: { type: 'string' } },
  });
  const id = positionals[0];
  if (!id) throw new CliError('instances set needs an instance id (see "activity-cdp keys list")');
  const store = await openStore(config, 'activity-cdp instances set', { mustExist: true });
  try {
    const ok = await updateInstanceSettings(store.db, id, {
      maxCustomActivities: limit(values['max-custom-activities'], '--max-custom-activities', 1),
      activityDailyLimit: limit(values['activity-daily-limit'], '--activity-daily-limit', 0),
      profile: profileOption(values.profile),
    });
    if (!ok) throw new CliError(`no instance ${id}`);
    const retention = limit(values['event-retention-days'], '--event-retention-days', 1);
    if (retention !== undefined) await setEventRetention(store.db, id, retention);
    console.log('updated');
  } finally {
    await store.close();
  }
}
