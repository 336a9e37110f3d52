export const MERGE_STRATEGIES = [1, 2, 3];
export function isMergeStrategy(value) {
    return value === 1 || value === 2 || value === 3;
}
/** The record's fields after `incoming` is merged in under `strategy`. Null values clear (delete) a field. */
export function mergeFields(stored, incoming, strategy) {
    if (strategy === 3)
        return stored;
    const out = { ...stored };
    for (const [key, value] of Object.entries(incoming)) {
        if (strategy === 1) {
            if (out[key] === undefined || out[key] === null) {
                if (value !== null)
                    out[key] = value;
            }
            continue;
        }
        if (value === null)
            delete out[key];
        else
            out[key] = value;
    }
    return out;
}
/** Fields of a brand-new record: nulls dropped (nothing to clear). */
export function newRecordFields(incoming, defaults = {}) {
    const out = { ...defaults };
    for (const [key, value] of Object.entries(incoming)) {
        if (value === null)
            delete out[key];
        else
            out[key] = value;
    }
    return out;
}
