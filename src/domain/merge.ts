// Merge strategies ("merge_strategy" of https://help.ortto.com/a-271-create-a-custom-activity-event-create): how sent fields combine with a stored record's.
//   1 append only: fill only fields that are empty (absent or null) on the record
//   2 overwrite existing (default): every sent field replaces the stored one; null clears it
//   3 ignore: an existing record is not changed at all (a new record still gets the fields)
export type MergeStrategy = 1 | 2 | 3;

export function isMergeStrategy(value: unknown): value is MergeStrategy {
  return value === 1 || value === 2 || value === 3;
}

export type Fields = Record<string, unknown>;

/** The record's fields after `incoming` is merged in under `strategy`. Null values clear (delete) a field. */
export function mergeFields(stored: Fields, incoming: Fields, strategy: MergeStrategy): Fields {
  if (strategy === 3) return stored;
  const out: Fields = { ...stored };
  for (const [key, value] of Object.entries(incoming)) {
    if (strategy === 1) {
      if (out[key] === undefined || out[key] === null) {
        if (value !== null) out[key] = value;
      }
      continue;
    }
    if (value === null) delete out[key];
    else out[key] = value;
  }
  return out;
}

/** Fields of a brand-new record: nulls dropped (nothing to clear). */
export function newRecordFields(incoming: Fields, defaults: Fields = {}): Fields {
  const out: Fields = { ...defaults };
  for (const [key, value] of Object.entries(incoming)) {
    if (value === null) delete out[key];
    else out[key] = value;
  }
  return out;
}
