// `activity-cdp definitions create -f FILE | list | archive ID`, over HTTP through the SDK.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { ActivityFieldId, CreateDefinitionBody } from '../../packages/client/src/index.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, api, clientFrom } from './client-options.js';
import { CliError, table } from './output.js';

export const DEFINITIONS_HELP = `Usage: activity-cdp definitions <command> [options]

  definitions create -f FILE [--json]
      Create the activity definition(s) in FILE: one JSON object shaped like the body of
      POST /v1/definitions/activity/create, or an array of them.
  definitions list [--json] [--all]
      The instance's activity definitions (archived ones only with --all).
  definitions archive ID
      Archive a definition (act:cm:NAME, or just NAME). Its events stay readable.

${CONNECTION_HELP}`;

function readDefinitions(file: string): CreateDefinitionBody[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  list.forEach((d, i) => {
    if (d === null || typeof d !== 'object' || Array.isArray(d)) {
      throw new CliError(`${file}: definition ${i + 1} is not a JSON object`);
    }
  });
  return list as CreateDefinitionBody[];
}

export function activityFieldId(id: string): ActivityFieldId {
  if (/^act:(cm|oc):./.test(id)) return id as ActivityFieldId;
  if (id.includes(':')) throw new CliError(`"${id}" is not an activity: use act:cm:NAME or just NAME`);
  return `act:cm:${id}`;
}

export async function definitionsCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(DEFINITIONS_HELP);
    if (!sub) throw new CliError('say which: definitions create, list or archive');
    return;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { ...CONNECTION_OPTIONS, file: { type: 'string', short: 'f' }, json: { type: 'boolean' }, all: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(DEFINITIONS_HELP);
    return;
  }
  switch (sub) {
    case 'create': {
      if (!values.file) throw new CliError('definitions create needs -f FILE (a JSON definition, or an array of them)');
      const definitions = readDefinitions(values.file);
      const client = clientFrom(values);
      for (const [i, body] of definitions.entries()) {
        const res = await api(client, () => client.definitions.create(body)).catch((error: unknown) => {
          if (error instanceof CliError && definitions.length > 1) {
            throw new CliError(`definition ${i + 1} of ${definitions.length} ("${String(body.name)}"): ${error.message}` +
              (i > 0 ? ` (the ${i} before it were created)` : ''));
          }
          throw error;
        });
        if (values.json) console.log(JSON.stringify(res));
        else console.log(`created ${res.custom_activity.activity_field_id} (${res.custom_activity.name})`);
      }
      return;
    }
    case 'list': {
      const client = clientFrom(values);
      const schema = await api(client, () => client.instanceSchema.get({ namespaces: [''] }));
      // Custom activities are the act:cm:* fields; each carries its definition as custom_activity.
      const activities = Object.values(schema.namespaces[''] ? schema.namespaces['']!.fields : {})
        .filter((f) => f.id.startsWith('act:cm:') && f.custom_activity && (values.all || !f.archived))
        .map((f) => ({ ...f.custom_activity!, archived: f.archived === true }));
      if (values.json) {
        for (const a of activities) console.log(JSON.stringify(a));
        return;
      }
      console.log(table(activities.map((a) => ({
        activity: a.activity_field_id,
        name: a.name,
        state: a.archived ? 'archived' : a.state,
        attributes: a.attributes.map((x) => x.field_id).join(' '),
        created_at: a.created_at,
      }))));
      return;
    }
    case 'archive': {
      const id = positionals[0];
      if (!id) throw new CliError('definitions archive needs the activity: act:cm:NAME or NAME');
      const client = clientFrom(values);
      const res = await api(client, () => client.definitions.archive(activityFieldId(id)));
      console.log(`archived ${res.archived_activity}`);
      return;
    }
    default:
      throw new CliError(`unknown command "definitions ${sub}"\n\n${DEFINITIONS_HELP}`);
  }
}
