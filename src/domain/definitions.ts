// Activity definitions: the rules of `POST /v1/definitions/activity/create` (Ortto's page:
// https://help.ortto.com/developer/latest/api-reference/activity/create.html) and of this
// project's `/modify`. Pure: the caller supplies the instance's existing custom person fields and
// stores what comes back. The wire views are elsewhere: the request body is mapped onto
// `DefinitionInput` at the HTTP edge (http/wire/definitions.ts), and the `custom_activity` answer
// is each response profile's (domain/profiles.ts). Refusals still name the request's elements
// (`display_style.template`), as the client sent them.
import {
  DISPLAY_TYPES, FIELD_TYPE_RULES, MAX_NAME_LENGTH, PREFIX_OF_DISPLAY_TYPE, SLUG_PATTERN,
  isPersonBuiltIn, parseFieldId,
  type DisplayType, type FieldType, type FieldTypeRule,
} from './field-types.js';
import { err, ok, type Result } from './result.js';

/** The icon ids Ortto's definition-create page lists. */
export const DOCUMENTED_ICON_IDS = [
  'calendar-icon', 'email-icon', 'phone-icon', 'download-icon', 'upload-icon', 'cart-icon',
  'help-icon', 'user-icon', 'settings-icon', 'star-icon', 'tag-icon', 'link-icon', 'file-icon',
  'globe-icon',
] as const;

/** The icon ids real Ortto uses (recorded 200 responses, spec README). */
export const ORTTO_ICON_IDS = [
  'calendar-illustration-icon', 'caution-illustration-icon', 'clicked-illustration-icon',
  'coupon-illustration-icon', 'download-illustration-icon', 'email-illustration-icon',
  'eye-illustration-icon', 'flag-activities-illustration-icon', 'happy-illustration-icon',
  'moneys-illustration-icon', 'page-illustration-icon', 'phone-illustration-icon',
  'reload-illustration-icon', 'tag-illustration-icon', 'time-illustration-icon',
] as const;

/** Both sets are accepted in every profile. */
export const ICON_IDS = [...DOCUMENTED_ICON_IDS, ...ORTTO_ICON_IDS] as const;

export const DO_NOT_MAP = 'do-not-map';
export const DEFAULT_RETENTION_DAYS = 90;
export const MIN_RETENTION_DAYS = 90;
/** Ten years: a bound so that a typo cannot make `created` checks meaningless. */
export const MAX_RETENTION_DAYS = 3650;
/** A definition's attribute list is bounded so its JSON row stays small. */
export const MAX_DEFINITION_ATTRIBUTES = 100;

export type DisplayStyle =
  | { type: 'activity' }
  | { type: 'activity_attribute'; attribute: string }
  | { type: 'activity_template'; template: string };

export interface DefinitionAttribute {
  name: string;
  displayType: DisplayType;
  /** The person field this attribute sets on each event, or null when it is not mapped. */
  mappedFieldId: string | null;
}

export type DefinitionState = 'awaiting_implementation' | 'active';

export interface Definition {
  name: string;
  iconId: string;
  trackConversionValue: boolean;
  touch: boolean;
  filterable: boolean;
  visibleInFeeds: boolean;
  displayStyle: DisplayStyle;
  attributes: DefinitionAttribute[];
  retentionDays: number;
  state: DefinitionState;
  createdAt: Date;
  editedAt: Date;
  archivedAt: Date | null;
}

/**
 * A display style as requested. Ortto's recorded spellings (`attribute_name`,
 * `attribute_field_id` for `attribute`; `title` for `template`) are kept apart, because a refusal
 * names the element that was sent.
 */
export interface DisplayStyleInput {
  type: string;
  attribute?: string;
  attributeName?: string;
  attributeFieldId?: string;
  template?: string;
  title?: string;
}

export interface AttributeInput {
  name: string;
  /** Not yet checked against DISPLAY_TYPES. */
  displayType: string;
  /** `do-not-map`, a person field ID, or undefined to map onto a same-named custom field. */
  fieldId?: string;
}

/** What a create request asks for; JSON types are already checked, meaning is not. */
export interface DefinitionInput {
  name: string;
  iconId: string;
  trackConversionValue: boolean;
  touch: boolean;
  filterable: boolean;
  visibleInFeeds: boolean;
  displayStyle: DisplayStyleInput;
  attributes: AttributeInput[];
  retentionDays?: number;
}

/** A modify request: the given elements replace the stored ones. */
export type DefinitionChanges = Partial<Omit<DefinitionInput, 'name'>>;

/** A custom person field the definition maps onto and that the instance must register. */
export interface FieldRegistration {
  fieldId: string;
  name: string;
  type: FieldType;
}

export interface DefinitionPlan {
  definition: Omit<Definition, 'state' | 'createdAt' | 'editedAt' | 'archivedAt'>;
  newFields: FieldRegistration[];
}

/** Custom person fields (`<type>:cm:<name>`) the instance already has, by name. */
export type ExistingFields = ReadonlyMap<string, FieldType>;

/** `act:cm:<name>` (or `act:oc:<name>`, which account events use for the same definition) → name. */
export function definitionNameOf(activityFieldId: unknown): string | undefined {
  if (typeof activityFieldId !== 'string') return undefined;
  const m = /^act:(?:cm|oc):(.+)$/.exec(activityFieldId);
  return m && SLUG_PATTERN.test(m[1]!) ? m[1] : undefined;
}

export function activityFieldId(name: string): string {
  return `act:cm:${name}`;
}

export function attributeFieldId(attr: Pick<DefinitionAttribute, 'name' | 'displayType'>): string {
  return `${PREFIX_OF_DISPLAY_TYPE[attr.displayType]}:cm:${attr.name}`;
}

export function liquidName(definitionName: string, attributeName: string): string {
  return `{{activity.cm.${definitionName.replaceAll('-', '_')}.${attributeName.replaceAll('-', '_')}}}`;
}

const TEMPLATE_PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

export function templatePlaceholders(template: string): string[] {
  return [...template.matchAll(TEMPLATE_PLACEHOLDER)].map((m) => m[1]!);
}

function checkSlug(value: string, element: string): string | undefined {
  if (!SLUG_PATTERN.test(value)) {
    return `${element} must be lowercase letters and digits separated by single hyphens (e.g. product-purchase), got "${value}"`;
  }
  if (value.length > MAX_NAME_LENGTH) return `${element} must be at most ${MAX_NAME_LENGTH} characters`;
  return undefined;
}

/** An attribute may set a field of its own type, or of a type the field-type table lets it map onto. */
function typesCompatible(attributeType: FieldType, fieldType: FieldType): boolean {
  const rule: FieldTypeRule = FIELD_TYPE_RULES[fieldType];
  return attributeType === fieldType || (rule.mappedFrom?.includes(attributeType) ?? false);
}

function planAttributes(
  input: DefinitionInput['attributes'],
  existing: ExistingFields,
): Result<{ attributes: DefinitionAttribute[]; newFields: FieldRegistration[] }> {
  if (input.length > MAX_DEFINITION_ATTRIBUTES) {
    return err(`attributes may hold at most ${MAX_DEFINITION_ATTRIBUTES} attributes`);
  }
  const attributes: DefinitionAttribute[] = [];
  const newFields: FieldRegistration[] = [];
  const seen = new Set<string>();
  // Types promised within this request, so two attributes cannot map one new field two ways.
  const planned = new Map<string, FieldType>(existing);
  for (const [i, attr] of input.entries()) {
    const element = `attributes[${i}]`;
    const slugError = checkSlug(attr.name, `${element}.name`);
    if (slugError) return err(slugError);
    if (seen.has(attr.name)) return err(`${element}.name "${attr.name}" is used by more than one attribute`);
    seen.add(attr.name);
    if (!(DISPLAY_TYPES as readonly string[]).includes(attr.displayType)) {
      return err(`${element}.display_type "${attr.displayType}" is not one of: ${DISPLAY_TYPES.join(', ')}`);
    }
    const displayType = attr.displayType as DisplayType;
    const prefix = PREFIX_OF_DISPLAY_TYPE[displayType];
    let mappedFieldId: string | null = null;
    if (attr.fieldId === undefined) {
      // Omitted: map onto an existing custom person field of the same name and type, if any.
      if (existing.get(attr.name) === prefix) mappedFieldId = `${prefix}:cm:${attr.name}`;
    } else if (attr.fieldId !== DO_NOT_MAP) {
      const target = parseFieldId(attr.fieldId);
      const isPersonField = target && (target.namespace === 'cm' || (target.namespace === '' && isPersonBuiltIn(target.id)));
      if (!target || !isPersonField) {
        return err(`${element}.field_id "${attr.fieldId}" must be "${DO_NOT_MAP}" or a person field ID such as ${prefix}:cm:${attr.name}`);
      }
      if (!typesCompatible(prefix, target.type)) {
        return err(`${element}.field_id "${attr.fieldId}" holds ${target.type} values but display_type ${displayType} stores ${prefix}`);
      }
      if (target.namespace === 'cm') {
        const known = planned.get(target.name);
        if (known !== undefined && known !== target.type) {
          return err(`${element}.field_id "${attr.fieldId}" conflicts with the existing field ${known}:cm:${target.name}`);
        }
        if (known === undefined) {
          planned.set(target.name, target.type);
          newFields.push({ fieldId: target.id, name: target.name, type: target.type });
        }
      }
      mappedFieldId = target.id;
    }
    attributes.push({ name: attr.name, displayType, mappedFieldId });
  }
  return ok({ attributes, newFields });
}

/** The attribute a display style names, by whichever spelling was sent, as [element, attribute name]. */
function styleAttribute(input: DisplayStyleInput, attributes: DefinitionAttribute[]): [string, string | undefined] {
  if (typeof input.attribute === 'string' && input.attribute !== '') return ['attribute', input.attribute];
  if (typeof input.attributeName === 'string' && input.attributeName !== '') return ['attribute_name', input.attributeName];
  if (typeof input.attributeFieldId === 'string' && input.attributeFieldId !== '') {
    const byFieldId = attributes.find((a) => attributeFieldId(a) === input.attributeFieldId);
    return ['attribute_field_id', byFieldId ? byFieldId.name : input.attributeFieldId];
  }
  return ['attribute', undefined];
}

function planDisplayStyle(input: DisplayStyleInput, attributes: DefinitionAttribute[]): Result<DisplayStyle> {
  const names = new Set(attributes.map((a) => a.name));
  switch (input.type) {
    case 'activity':
      return ok({ type: 'activity' });
    case 'activity_attribute': {
      const [element, attribute] = styleAttribute(input, attributes);
      if (attribute === undefined) {
        return err('display_style.attribute (or attribute_name, attribute_field_id) is required when display_style.type is activity_attribute');
      }
      if (!names.has(attribute)) {
        return err(`display_style.${element} "${attribute}" is not one of the definition's attributes`);
      }
      return ok({ type: 'activity_attribute', attribute });
    }
    case 'activity_template': {
      const element = typeof input.template === 'string' ? 'template' : 'title';
      const template = typeof input.template === 'string' ? input.template : input.title;
      if (typeof template !== 'string' || template.trim() === '') {
        return err('display_style.template (or title) is required when display_style.type is activity_template');
      }
      if (template.length > 1000) return err(`display_style.${element} must be at most 1000 characters`);
      for (const placeholder of templatePlaceholders(template)) {
        if (!names.has(placeholder)) {
          return err(`display_style.${element} refers to {{${placeholder}}}, which is not one of the definition's attributes`);
        }
      }
      return ok({ type: 'activity_template', template });
    }
    default:
      return err(`display_style.type "${input.type}" is not one of: activity, activity_attribute, activity_template`);
  }
}

function planRetention(value: number | undefined): Result<number> {
  if (value === undefined) return ok(DEFAULT_RETENTION_DAYS);
  if (!Number.isInteger(value) || value < MIN_RETENTION_DAYS || value > MAX_RETENTION_DAYS) {
    return err(`retention_days must be an integer from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}`);
  }
  return ok(value);
}

function checkIcon(iconId: string): string | undefined {
  if ((ICON_IDS as readonly string[]).includes(iconId)) return undefined;
  return `icon_id "${iconId}" is not one of: ${ICON_IDS.join(', ')}`;
}

export function planDefinition(input: DefinitionInput, existing: ExistingFields): Result<DefinitionPlan> {
  const nameError = checkSlug(input.name, 'name');
  if (nameError) return err(nameError);
  const iconError = checkIcon(input.iconId);
  if (iconError) return err(iconError);
  const attrs = planAttributes(input.attributes, existing);
  if (!attrs.ok) return attrs;
  const style = planDisplayStyle(input.displayStyle, attrs.value.attributes);
  if (!style.ok) return style;
  const retention = planRetention(input.retentionDays);
  if (!retention.ok) return retention;
  return ok({
    definition: {
      name: input.name,
      iconId: input.iconId,
      trackConversionValue: input.trackConversionValue,
      touch: input.touch,
      filterable: input.filterable,
      visibleInFeeds: input.visibleInFeeds,
      displayStyle: style.value,
      attributes: attrs.value.attributes,
      retentionDays: retention.value,
    },
    newFields: attrs.value.newFields,
  });
}

/**
 * Modify: the given elements replace the stored ones. `attributes`, when given, is the whole new
 * list: it must keep every existing attribute with its display_type (stored events hold values of
 * that type), and may add attributes or change their mapping.
 */
export function planModification(current: Definition, changes: DefinitionChanges, existing: ExistingFields): Result<DefinitionPlan> {
  if (current.archivedAt) return err(`activity act:cm:${current.name} is archived and cannot be modified`);
  if (changes.attributes) {
    const byName = new Map(changes.attributes.map((a) => [a.name, a]));
    for (const old of current.attributes) {
      const next = byName.get(old.name);
      if (!next) return err(`attributes must keep the existing attribute "${old.name}" (attributes cannot be removed)`);
      if (next.displayType !== old.displayType) {
        return err(`attributes: the display_type of "${old.name}" cannot change from ${old.displayType} to ${next.displayType}`);
      }
    }
  }
  const merged: DefinitionInput = {
    name: current.name,
    iconId: changes.iconId ?? current.iconId,
    trackConversionValue: changes.trackConversionValue ?? current.trackConversionValue,
    touch: changes.touch ?? current.touch,
    filterable: changes.filterable ?? current.filterable,
    visibleInFeeds: changes.visibleInFeeds ?? current.visibleInFeeds,
    displayStyle: changes.displayStyle ?? current.displayStyle,
    attributes: changes.attributes ?? current.attributes.map((a) => ({
      name: a.name,
      displayType: a.displayType,
      fieldId: a.mappedFieldId ?? DO_NOT_MAP,
    })),
    retentionDays: changes.retentionDays ?? current.retentionDays,
  };
  return planDefinition(merged, existing);
}
