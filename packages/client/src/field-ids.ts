// Ortto field IDs as template-literal types (`<type>:<namespace>:<name>`), layered over the
// generated wire types so that a typo such as "str:email" or "act:purchase" fails to compile.
import type {
  AccountActivityInput, AccountActivityResult, FieldType, FieldValueOfType, PersonActivityInput, PersonActivityResult,
} from './generated/types.js';

// FieldType and FieldValueOfType (the prefixes and the value each takes) are generated from the
// server's field-type table; the package exports them from generated/types.ts.

/** Built-in person field (`str::email`) or custom person field (`str:cm:member-id`). */
export type PersonFieldId = `${FieldType}::${string}` | `${FieldType}:cm:${string}`;
/** Built-in account field (`str:o:name`) or custom account field (`int:oc:seats`). */
export type AccountFieldId = `${FieldType}:o:${string}` | `${FieldType}:oc:${string}`;
/** A custom activity: `act:cm:<name>` (account events may also say `act:oc:<name>`). */
export type ActivityFieldId = `act:cm:${string}` | `act:oc:${string}`;
/** An activity attribute (`str:cm:destination`) or the conversion value `int::v`. */
export type AttributeId = `${FieldType}:cm:${string}` | 'int::v';

/** Per-prefix index signatures: `{"int:cm:qty": "2"}` fails to compile, `{"int:cm:qty": 2}` passes. */
export type TypedFields<NS extends string> = {
  [T in FieldType as `${T}:${NS}:${string}`]?: FieldValueOfType[T] | null;
};

export type PersonFields = TypedFields<''> & TypedFields<'cm'>;
export type AccountFields = TypedFields<'o'> & TypedFields<'oc'>;
export type ActivityAttributes = TypedFields<'cm'> & { 'int::v'?: number | null };

type MergeStrategy = 1 | 2 | 3;

/** A person activity event (POST /v1/activities/create), with typed field IDs. */
export interface PersonActivity extends Omit<PersonActivityInput, 'activity_id' | 'attributes' | 'fields' | 'merge_by' | 'merge_strategy'> {
  activity_id: ActivityFieldId;
  attributes?: ActivityAttributes;
  fields?: PersonFields;
  /** Main and optional fallback field: one or two person field IDs. */
  merge_by?: [PersonFieldId] | [PersonFieldId, PersonFieldId];
  merge_strategy?: MergeStrategy;
}

/** An account activity event (POST /v1/accounts/activities/create), with typed field IDs. */
export interface AccountActivity extends Omit<AccountActivityInput, 'activity_id' | 'attributes' | 'fields' | 'merge_by' | 'merge_strategy'> {
  activity_id: ActivityFieldId;
  attributes?: ActivityAttributes;
  fields?: AccountFields;
  merge_by?: [AccountFieldId] | [AccountFieldId, AccountFieldId];
  merge_strategy?: MergeStrategy;
}

/** What the server answers per activity. */
export type ActivityStatus = 'ingested' | 'queued' | 'invalid' | 'rate_limited';

export type PersonActivityOutcome = Omit<PersonActivityResult, 'status'> & { status: ActivityStatus };
export type AccountActivityOutcome = Omit<AccountActivityResult, 'status'> & { status: ActivityStatus };

// Compile-time guards: the typed shapes must stay assignable to the generated wire types, so a
// schema change on the server that breaks them fails the SDK's build.
type Assignable<A, B extends A> = B;
type _PersonActivityFitsWire = Assignable<PersonActivityInput, PersonActivity>;
type _AccountActivityFitsWire = Assignable<AccountActivityInput, AccountActivity>;
