// activity_definitions rows <-> domain Definition.
import type { Definition, DefinitionAttribute, DisplayStyle } from '../domain/definitions.js';
import type { DisplayType } from '../domain/field-types.js';
import type { Sql } from './db.js';

export interface DefinitionRow {
  name: string;
  icon_id: string;
  track_conversion_value: boolean;
  touch: boolean;
  filterable: boolean;
  visible_in_feeds: boolean;
  display_style: DisplayStyle;
  attributes: Array<{ name: string; display_type: DisplayType; mapped_field_id: string | null }>;
  retention_days: number;
  state: Definition['state'];
  created_at: Date;
  edited_at: Date;
  archived_at: Date | null;
}

export const COLUMNS = `name, icon_id, track_conversion_value, touch, filterable, visible_in_feeds, display_style,
  attributes, retention_days, state, created_at, edited_at, archived_at`;

export function fromRow(row: DefinitionRow): Definition {
  return {
    name: row.name,
    iconId: row.icon_id,
    trackConversionValue: row.track_conversion_value,
    touch: row.touch,
    filterable: row.filterable,
    visibleInFeeds: row.visible_in_feeds,
    displayStyle: row.display_style,
    attributes: row.attributes.map((a): DefinitionAttribute => ({
      name: a.name, displayType: a.display_type, mappedFieldId: a.mapped_field_id,
    })),
    retentionDays: row.retention_days,
    state: row.state,
    createdAt: row.created_at,
    editedAt: row.edited_at,
    archivedAt: row.archived_at,
  };
}

function attributesJson(def: Pick<Definition, 'attributes'>): string {
  return JSON.stringify(def.attributes.map((a) => ({ name: a.name, display_type: a.displayType, mapped_field_id: a.mappedFieldId })));
}

export async function getDefinition(sql: Sql, instanceId: string, name: string, forUpdate = false): Promise<Definition | undefined> {
  const rows = await sql.query<DefinitionRow>(
    `select ${COLUMNS} from activity_definitions where instance_id = $1 and name = $2${forUpdate ? ' for update' : ''}`,
    [instanceId, name],
  );
  return rows[0] && fromRow(rows[0]);
}

export async function listDefinitions(sql: Sql, instanceId: string): Promise<Definition[]> {
  const rows = await sql.query<DefinitionRow>(
    `select ${COLUMNS} from activity_definitions where instance_id = $1 order by created_at, name`,
    [instanceId],
  );
  return rows.map(fromRow);
}

export async function countLiveDefinitions(sql: Sql, instanceId: string): Promise<number> {
  const rows = await sql.query<{ n: number }>(
    'select count(*)::integer as n from activity_definitions where instance_id = $1 and archived_at is null',
    [instanceId],
  );
  return rows[0]?.n ?? 0;
}

export async function insertDefinition(sql: Sql, instanceId: string, def: Definition): Promise<void> {
  await sql.query(
    `insert into activity_definitions (instance_id, ${COLUMNS})
     values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11, $12, $13, $14)`,
    [
      instanceId, def.name, def.iconId, def.trackConversionValue, def.touch, def.filterable, def.visibleInFeeds,
      JSON.stringify(def.displayStyle), attributesJson(def), def.retentionDays, def.state, def.createdAt, def.editedAt,
      def.archivedAt,
    ],
  );
}

export async function updateDefinition(sql: Sql, instanceId: string, def: Definition): Promise<void> {
  await sql.query(
    `update activity_definitions set icon_id = $3, track_conversion_value = $4, touch = $5, filterable = $6,
       visible_in_feeds = $7, display_style = $8::jsonb, attributes = $9::jsonb, retention_days = $10, edited_at = $11
     where instance_id = $1 and name = $2`,
    [
      instanceId, def.name, def.iconId, def.trackConversionValue, def.touch, def.filterable, def.visibleInFeeds,
      JSON.stringify(def.displayStyle), attributesJson(def), def.retentionDays, def.editedAt,
    ],
  );
}

export async function archiveDefinition(sql: Sql, instanceId: string, name: string, at: Date): Promise<void> {
  await sql.query(
    'update activity_definitions set archived_at = $3, edited_at = $3 where instance_id = $1 and name = $2',
    [instanceId, name, at],
  );
}

