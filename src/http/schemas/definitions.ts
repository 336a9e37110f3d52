import { Type } from '@fastify/type-provider-typebox';
import { literals } from './common.js';
import { DISPLAY_TYPES } from '../../domain/field-types.js';
import { ICON_IDS } from '../../domain/definitions.js';

// Structural checks only (JSON types, required elements); the domain checks meaning (slugs,
// icon list, references) so that its messages name the element and the allowed values.
const DisplayStyle = Type.Object({
  type: Type.String({ description: 'activity | activity_attribute | activity_template' }),
  attribute: Type.Optional(Type.String()),
  attribute_name: Type.Optional(Type.String({ description: "Ortto's recorded spelling of attribute" })),
  attribute_field_id: Type.Optional(Type.String({ description: "The attribute by its field ID (Ortto's recorded spelling)" })),
  template: Type.Optional(Type.String()),
  title: Type.Optional(Type.String({ description: "Ortto's recorded spelling of template" })),
});

const AttributeInput = Type.Object({
  name: Type.String({ description: 'Slug, e.g. product-name' }),
  display_type: Type.String({ description: DISPLAY_TYPES.join(' | ') }),
  field_id: Type.Optional(Type.String({ description: '"do-not-map", a person field ID to set, or omitted (auto-map)' })),
});

export const CreateDefinitionBody = Type.Object({
  name: Type.String({ description: 'Slug, unique in the instance; the activity is act:cm:<name>' }),
  icon_id: Type.String({ description: ICON_IDS.join(' | ') }),
  track_conversion_value: Type.Boolean(),
  touch: Type.Boolean(),
  filterable: Type.Boolean(),
  visible_in_feeds: Type.Boolean(),
  display_style: DisplayStyle,
  attributes: Type.Array(AttributeInput),
  retention_days: Type.Optional(Type.Integer({ description: "Backdating window in days, at least 90 (this server's addition: Ortto sets it in its app)" })),
});

export const ModifyDefinitionBody = Type.Object({
  activity_field_id: Type.String(),
  icon_id: Type.Optional(Type.String()),
  track_conversion_value: Type.Optional(Type.Boolean()),
  touch: Type.Optional(Type.Boolean()),
  filterable: Type.Optional(Type.Boolean()),
  visible_in_feeds: Type.Optional(Type.Boolean()),
  display_style: Type.Optional(DisplayStyle),
  attributes: Type.Optional(Type.Array(AttributeInput)),
  retention_days: Type.Optional(Type.Integer()),
});

export const ArchiveDefinitionBody = Type.Object({
  activity_field_id: Type.String(),
});

export const CustomActivity = Type.Object(
  {
    activity_field_id: Type.String(),
    name: Type.String({ description: 'docs: the title-cased display name; production-2025: the slug' }),
    state: literals(['awaiting_implementation', 'active', 'live'], { description: 'production-2025 says live where docs says active' }),
    icon_id: literals(ICON_IDS),
    track_conversion_value: Type.Boolean(),
    touch: Type.Boolean(),
    filterable: Type.Boolean(),
    visible_in_feeds: Type.Boolean(),
    display_mode: Type.Object({
      type: literals(['activity', 'activity_attribute', 'activity_template']),
      attribute: Type.Optional(Type.String()),
      attribute_field_id: Type.Optional(Type.String({ description: 'production-2025' })),
      template: Type.Optional(Type.String()),
      title: Type.Optional(Type.String({ description: 'production-2025' })),
    }),
    attributes: Type.Array(
      Type.Object({
        name: Type.String(),
        display_type: literals(DISPLAY_TYPES),
        field_id: Type.String(),
        liquid_name: Type.String(),
        mapped_field_id: Type.Optional(Type.String()),
      }),
    ),
    retention_days: Type.Optional(Type.Integer({ description: 'docs profile (extension)' })),
    archived: Type.Optional(Type.Boolean({ description: 'docs profile (extension)' })),
    created_by: Type.Optional(Type.String({ description: 'production-2025: "Public API"' })),
    created_at: Type.String(),
    edited_at: Type.String(),
    event_count: Type.Optional(Type.Integer({ description: 'Events of this activity (instance-schema/get with event_stats: true; extension)' })),
    last_event_at: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'Time of the latest event (instance-schema/get with event_stats: true; extension)' })),
  },
  { $id: 'CustomActivity' },
);

export const CustomActivityResponse = Type.Object({ custom_activity: Type.Ref('CustomActivity') });
export const ArchiveResponse = Type.Object({ archived_activity: Type.String() });

export const InstanceSchemaBody = Type.Object({
  namespaces: Type.Optional(Type.Array(Type.String(), { description: 'Namespace ids to return ("" persons, "o" accounts; cm and oc are aliases); empty = all' })),
  event_stats: Type.Optional(Type.Boolean({ description: "true: each definition also reports event_count and last_event_at (this project's extension)" })),
});

const SchemaField = Type.Object({
  id: Type.String(),
  name: Type.String(),
  read_only: Type.Optional(Type.Boolean({ description: 'Ortto sets it; writes are refused' })),
  display_type: Type.String(),
  liquid_name: Type.Optional(Type.String()),
  archived: Type.Optional(Type.Boolean({ description: 'Custom activities: archived' })),
  attributes: Type.Optional(Type.Array(Type.Object({
    id: Type.String(), name: Type.String(), display_type: Type.String(), liquid_name: Type.String(),
  }), { description: 'Custom activities: their attributes' })),
  custom_activity: Type.Optional(Type.Ref('CustomActivity', { description: 'Custom activities: the definition as its endpoints answer it (extension)' })),
});

const SchemaNamespace = Type.Object({
  id: Type.String(),
  fields: Type.Record(Type.String(), SchemaField, { description: 'By field ID' }),
  org: Type.Optional(Type.Boolean({ description: 'The account namespace' })),
});

export const InstanceSchemaResponse = Type.Object({
  namespaces: Type.Record(Type.String(), SchemaNamespace, { description: 'By namespace id: "" persons, "o" accounts' }),
});
