// Which records an archive / restore / delete request names, as Ortto takes it:
// `{inclusion_ids?, exclusion_ids?, all_rows_selected?}`: every record in scope (all_rows_selected)
// or the listed ones, less the excluded ones. Pure rules; the store applies the selection.
import { isId } from './ids.js';

export interface RecordSelection {
  /** Every record in scope (active ones to archive, archived ones to restore or delete). */
  all: boolean;
  /** The named records when `all` is false. */
  ids: string[];
  /** Never touched, whatever else the request says. */
  exclude: string[];
}

export interface SelectionBody {
  inclusion_ids?: string[] | null;
  exclusion_ids?: string[] | null;
  all_rows_selected?: boolean | null;
}

/** At most this many ids per list in one request. */
export const MAX_SELECTION_IDS = 10_000;

export function parseSelection(body: SelectionBody, idLabel: string): { ok: true; value: RecordSelection } | { ok: false; error: string } {
  const lists = { inclusion_ids: body.inclusion_ids ?? [], exclusion_ids: body.exclusion_ids ?? [] };
  for (const [name, list] of Object.entries(lists)) {
    if (list.length > MAX_SELECTION_IDS) return { ok: false, error: `${name} holds more than ${MAX_SELECTION_IDS} ids` };
    const bad = list.findIndex((id) => !isId(id));
    if (bad >= 0) return { ok: false, error: `${name}[${bad}] "${list[bad]}" is not ${idLabel} id (24 hex characters)` };
  }
  const all = body.all_rows_selected === true;
  if (!all && lists.inclusion_ids.length === 0) {
    return { ok: false, error: 'inclusion_ids (one or more ids) or all_rows_selected: true is required' };
  }
  return { ok: true, value: { all, ids: all ? [] : [...new Set(lists.inclusion_ids)], exclude: [...new Set(lists.exclusion_ids)] } };
}
