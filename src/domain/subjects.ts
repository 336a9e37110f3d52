// The two kinds of subject an activity event attaches to. One ingestion pipeline serves both;
// everything that differs between persons and accounts is in this table.
import { isAccountBuiltIn, isPersonBuiltIn, type Namespace } from './field-types.js';
import type { Fields } from './merge.js';

export type Kind = 'person' | 'account';

export interface Subject {
  kind: Kind;
  /** The word in messages: "person", "account". */
  label: string;
  /** With its article: "a person", "an account". */
  aLabel: string;
  builtInNamespace: Namespace;
  customNamespace: 'cm' | 'oc';
  isBuiltIn(fieldId: string): boolean;
  /** The activity element that names the record directly. */
  directIdElement: 'person_id' | 'str:o:organization_id';
  /** Response keys. */
  idKey: 'person_id' | 'account_id';
  statusKey: 'person_status' | 'account_status';
  /** Fields every new record starts with unless the request says otherwise. */
  newRecordDefaults: Fields;
  /** Where location data lands on the record. */
  geo: { city: string; region: string; country: string; postal: string; address: string };
  /** Attributes mapped by a definition onto person fields apply to persons only. */
  appliesMappedAttributes: boolean;
  /** `touch` definitions move first/last-seen times (persons). */
  appliesTouch: boolean;
}

export const PERSON: Subject = {
  kind: 'person',
  label: 'person',
  aLabel: 'a person',
  builtInNamespace: '',
  customNamespace: 'cm',
  isBuiltIn: isPersonBuiltIn,
  directIdElement: 'person_id',
  idKey: 'person_id',
  statusKey: 'person_status',
  newRecordDefaults: { 'bol::p': true, 'bol::sp': false },
  geo: { city: 'geo::city', region: 'geo::region', country: 'geo::country', postal: 'str::postal', address: 'str::address' },
  appliesMappedAttributes: true,
  appliesTouch: true,
};

export const ACCOUNT: Subject = {
  kind: 'account',
  label: 'account',
  aLabel: 'an account',
  builtInNamespace: 'o',
  customNamespace: 'oc',
  isBuiltIn: isAccountBuiltIn,
  directIdElement: 'str:o:organization_id',
  idKey: 'account_id',
  statusKey: 'account_status',
  newRecordDefaults: {},
  geo: { city: 'geo:o:city', region: 'geo:o:region', country: 'geo:o:country', postal: 'str:o:postal', address: 'str:o:address' },
  appliesMappedAttributes: false,
  appliesTouch: true,
};

export const SUBJECTS: Record<Kind, Subject> = { person: PERSON, account: ACCOUNT };
