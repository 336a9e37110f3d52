import { Type } from '@fastify/type-provider-typebox';
import { literals } from './common.js';
import { DISPLAY_TYPES } from '../../domain/field-types.js';
import { ICON_IDS } from '../../domain/definitions.js';

// Structural checks only (JSON types, required elements); the domain checks meaning (slugs,
// icon list, references) so that its messages name the element and the allowed values.
const DisplayStyle = Type.Object({
  type: Type.String({ description: 'activity | activity_attribute | activity_template' }),
  attribute: Type.Optional(Type.String()),
  template: Type.Optional(Type.String()),
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
    name: Type.String(),
    state: literals(['awaiting_implementation', 'active']),
    icon_id: literals(ICON_IDS),
    track_conversion_value: Type.Boolean(),
    touch: Type.Boolean(),
    filterable: Type.Boolean(),
    visible_in_feeds: Type.Boolean(),
    display_mode: Type.Object({
      type: literals(['activity', 'activity_attribute', 'activity_template']),
      attribute: Type.Optional(Type.String()),
      template: Type.Optional(Type.String()),
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
    retention_days: Type.Integer(),
    archived: Type.Boolean(),
    created_at: Type.String(),
    edited_at: Type.String(),
  },
  { $id: 'CustomActivity' },
);

export const CustomActivityResponse = Type.Object({ custom_activity: Type.Ref('CustomActivity') });
export const ArchiveResponse = Type.Object({ archived_activity: Type.String() });

export const InstanceSchemaBody = Type.Object({
  namespaces: Type.Optional(Type.Array(Type.String(), { description: 'Namespace ids to return ("", cm, o, oc); empty = all' })),
});

const SchemaField = Type.Object({
  field_id: Type.String(),
  name: Type.String(),
  display_type: Type.String(),
  built_in: Type.Boolean(),
});

export const InstanceSchemaResponse = Type.Object({
  namespaces: Type.Array(
    Type.Object({
      namespace_id: Type.String(),
      name: Type.String(),
      fields: Type.Array(SchemaField),
      activities: Type.Array(Type.Ref('CustomActivity')),
    }),
  ),
});
