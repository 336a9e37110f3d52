// The two response profiles (spec README, "Two response profiles"): `docs` answers as the source
// documents say; `production-2025` answers as real Ortto did in the November 2025 recordings.
// Everything that differs between them is in this one table; routes and use cases ask the
// profile, they never test its name. It is also the one home of the `custom_activity` view: both
// profiles' mapping of a stored definition onto the wire are written out here, side by side.
import { titleCase } from './field-types.js';
import { activityFieldId, attributeFieldId, liquidName, type Definition } from './definitions.js';

export const PROFILE_NAMES = ['docs', 'production-2025'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export function isProfileName(value: unknown): value is ProfileName {
  return typeof value === 'string' && (PROFILE_NAMES as readonly string[]).includes(value);
}

/** One item of an activities/create answer, before the profile shapes it. */
export type ActivityOutcome =
  | { status: 'ingested'; recordId: string; recordStatus: 'created' | 'merged'; eventId: string }
  | { status: 'queued'; eventId: string; directId?: string }
  | { status: 'invalid' | 'rate_limited'; error: string };

export interface Profile {
  readonly name: ProfileName;
  /**
   * Items that fail are acknowledged as `queued` and kept as dead letters with their reason
   * (never a per-item `invalid` nor the all-failed 400), as real Ortto validates later.
   */
  readonly deferItemValidation: boolean;
  /** The `custom_activity` object of a definition response, keys in this profile's order. */
  customActivity(def: Definition): Record<string, unknown>;
  /**
   * One activities/create answer item; `idKey`/`statusKey` are the subject's (person_id /
   * account_id); `namedId` is the record id the activity itself named, if any.
   */
  activityItem(idKey: string, statusKey: string, r: ActivityOutcome, namedId: string | undefined): Record<string, string>;
  /** One `details` item of the person/merge all-invalid 400. */
  mergeFailure(index: number, error: string): { index?: number; status: 'invalid'; error: string };
  /** `created_at` of a read-back event. */
  eventTime(d: Date): string;
  /** Read-back records and events carry this project's extensions (created_at, location, key). */
  readonly readExtensions: boolean;
}

function displayModeRecorded(def: Definition): Record<string, unknown> {
  const style = def.displayStyle;
  switch (style.type) {
    case 'activity':
      return { type: 'activity' };
    case 'activity_attribute': {
      const attr = def.attributes.find((a) => a.name === style.attribute);
      return { type: 'activity_attribute', attribute_field_id: attr ? attributeFieldId(attr) : style.attribute };
    }
    case 'activity_template':
      return { type: 'activity_template', title: style.template };
  }
}

const DOCS: Profile = {
  name: 'docs',
  deferItemValidation: false,
  /** The `custom_activity` object of Ortto's definition-create answer, plus this project's `retention_days` and `archived`. */
  customActivity(def) {
    return {
      activity_field_id: activityFieldId(def.name),
      name: titleCase(def.name),
      state: def.state,
      icon_id: def.iconId,
      track_conversion_value: def.trackConversionValue,
      touch: def.touch,
      filterable: def.filterable,
      visible_in_feeds: def.visibleInFeeds,
      display_mode: def.displayStyle,
      attributes: def.attributes.map((a) => ({
        name: a.name,
        display_type: a.displayType,
        field_id: attributeFieldId(a),
        liquid_name: liquidName(def.name, a.name),
        ...(a.mappedFieldId ? { mapped_field_id: a.mappedFieldId } : {}),
      })),
      retention_days: def.retentionDays,
      archived: def.archivedAt !== null,
      created_at: def.createdAt.toISOString(),
      edited_at: def.editedAt.toISOString(),
    };
  },
  activityItem(idKey, statusKey, r): Record<string, string> {
    switch (r.status) {
      case 'ingested':
        return { [idKey]: r.recordId, status: 'ingested', [statusKey]: r.recordStatus, activity_id: r.eventId };
      case 'queued': {
        // Built key by key (no spread of a conditional object): the hot path of async acknowledgement.
        const item: Record<string, string> = {};
        if (r.directId) item[idKey] = r.directId;
        item['status'] = 'queued';
        item[statusKey] = 'queued';
        item['activity_id'] = r.eventId;
        return item;
      }
      default:
        return { status: r.status, error: r.error };
    }
  },
  mergeFailure: (index, error) => ({ index, status: 'invalid', error }),
  eventTime: (d) => d.toISOString(),
  readExtensions: true,
};

const PRODUCTION_2025: Profile = {
  name: 'production-2025',
  deferItemValidation: true,
  customActivity(def) {
    return {
      name: def.name,
      activity_field_id: activityFieldId(def.name),
      state: def.state === 'active' ? 'live' : def.state,
      display_mode: displayModeRecorded(def),
      attributes: def.attributes.map((a) => ({
        name: a.name,
        field_id: attributeFieldId(a),
        display_type: a.displayType,
        liquid_name: `activity.custom.${def.name}.${a.name}`,
      })),
      icon_id: def.iconId,
      track_conversion_value: def.trackConversionValue,
      touch: def.touch,
      filterable: def.filterable,
      visible_in_feeds: def.visibleInFeeds,
      created_by: 'Public API',
      created_at: def.createdAt.toISOString(),
      edited_at: def.editedAt.toISOString(),
    };
  },
  activityItem(idKey, statusKey, _r, namedId) {
    // Every item is acknowledged as queued; the record id only when the request named it.
    return { ...(namedId ? { [idKey]: namedId } : {}), status: 'queued', [statusKey]: 'queued' };
  },
  mergeFailure: (_index, error) => ({ status: 'invalid', error }),
  eventTime: (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  readExtensions: false,
};

export const PROFILES: Record<ProfileName, Profile> = { docs: DOCS, 'production-2025': PRODUCTION_2025 };

/** The instance's own profile, else the server's. */
export function resolveProfile(instanceProfile: string | null | undefined, serverDefault: ProfileName): Profile {
  return PROFILES[isProfileName(instanceProfile) ? instanceProfile : serverDefault];
}
