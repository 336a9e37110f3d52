// The definition endpoints' request bodies (snake_case, Ortto's element names) mapped onto the
// domain's input (domain/definitions.ts), element by element. The answer's `custom_activity`
// view is each response profile's (domain/profiles.ts).
import type { Static } from '@fastify/type-provider-typebox';
import type {
  AttributeInput, DefinitionChanges, DefinitionInput, DisplayStyleInput,
} from '../../domain/definitions.js';
import type { CreateDefinitionBody, ModifyDefinitionBody } from '../schemas/definitions.js';

type WireDisplayStyle = Static<typeof CreateDefinitionBody>['display_style'];
type WireAttribute = Static<typeof CreateDefinitionBody>['attributes'][number];

function displayStyleInput(style: WireDisplayStyle): DisplayStyleInput {
  return {
    type: style.type,
    attribute: style.attribute,
    attributeName: style.attribute_name,
    attributeFieldId: style.attribute_field_id,
    template: style.template,
    title: style.title,
  };
}

function attributeInput(attr: WireAttribute): AttributeInput {
  return { name: attr.name, displayType: attr.display_type, fieldId: attr.field_id };
}

/** POST /v1/definitions/activity/create. */
export function definitionInput(body: Static<typeof CreateDefinitionBody>): DefinitionInput {
  return {
    name: body.name,
    iconId: body.icon_id,
    trackConversionValue: body.track_conversion_value,
    touch: body.touch,
    filterable: body.filterable,
    visibleInFeeds: body.visible_in_feeds,
    displayStyle: displayStyleInput(body.display_style),
    attributes: body.attributes.map(attributeInput),
    retentionDays: body.retention_days,
  };
}

/** PUT /v1/definitions/activity/modify: the elements sent, less the activity it names. */
export function definitionChanges(body: Static<typeof ModifyDefinitionBody>): DefinitionChanges {
  return {
    iconId: body.icon_id,
    trackConversionValue: body.track_conversion_value,
    touch: body.touch,
    filterable: body.filterable,
    visibleInFeeds: body.visible_in_feeds,
    displayStyle: body.display_style && displayStyleInput(body.display_style),
    attributes: body.attributes?.map(attributeInput),
    retentionDays: body.retention_days,
  };
}
