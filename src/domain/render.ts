// render_cmds: an event as its definition's display mode shows it in a feed.
import { attributeFieldId, type Definition } from './definitions.js';
import { titleCase } from './field-types.js';

function show(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(', ');
  if (typeof value === 'object' && 'year' in value && 'month' in value && 'day' in value) {
    const d = value as { year: number; month: number; day: number };
    return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
  }
  return JSON.stringify(value);
}

/** The event's attributes by attribute name (not field ID), as templates refer to them. */
function byName(def: Definition, attributes: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const a of def.attributes) {
    const v = attributes[attributeFieldId(a)];
    if (v !== undefined) out.set(a.name, v);
  }
  return out;
}

export function renderCommands(def: Definition, attributes: Record<string, unknown>): Array<{ content: string }> {
  const name = titleCase(def.name);
  const style = def.displayStyle;
  switch (style.type) {
    case 'activity':
      return [{ content: name }];
    case 'activity_attribute': {
      const v = show(byName(def, attributes).get(style.attribute));
      return [{ content: v === '' ? name : `${name}: ${v}` }];
    }
    case 'activity_template': {
      const values = byName(def, attributes);
      return [{ content: style.template.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (_m, key: string) => show(values.get(key))) }];
    }
  }
}
