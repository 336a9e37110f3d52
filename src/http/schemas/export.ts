// The export's request and its NDJSON lines (this project's extension; Ortto has no export).
import { Type } from '@fastify/type-provider-typebox';

const ExportCommon = {
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'The next_cursor of the last line of a previous answer: continue after it' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Events in this answer: 1..100000, default 10000' })),
  activities: Type.Optional(Type.Array(Type.String(), { maxItems: 100, description: 'Only these activity field IDs (act:cm:<name>)' })),
};

export const ExportPersonEventsBody = Type.Object({
  ...ExportCommon,
  person_id: Type.Optional(Type.String({ description: "Only this person's events" })),
}, { additionalProperties: false });

export const ExportAccountEventsBody = Type.Object({
  ...ExportCommon,
  account_id: Type.Optional(Type.String({ description: "Only this account's events" })),
}, { additionalProperties: false });

const eventLine = (idKey: 'person_id' | 'account_id') => Type.Object({
  [idKey]: Type.String(),
  id: Type.String({ description: 'The event id; lines come in id order' }),
  field_id: Type.String({ description: 'act:cm:<name>' }),
  attr: Type.Record(Type.String(), Type.Unknown()),
  created_at: Type.String(),
  location: Type.Optional(Type.Unknown()),
  key: Type.Optional(Type.String()),
  render_cmds: Type.Array(Type.Object({ content: Type.String() })),
});

export const ExportedPersonEvent = eventLine('person_id');
export const ExportedAccountEvent = eventLine('account_id');

export const ExportEnd = Type.Object({
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass it back as cursor for the next events; null: there are no more' }),
  exported: Type.Integer({ description: 'Events in this answer' }),
}, { description: 'The last line of every whole answer' });
