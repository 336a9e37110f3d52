// Adds event_count and last_event_at (this project's extension, for the console) to every
// definition in an instance-schema/get answer. It walks the answer rather than assuming its
// layout, so it fits both the list-of-namespaces shape and Ortto's object shape, where custom
// activities are `act:cm:<name>` entries of a namespace's `fields`.
import { definitionNameOf } from '../domain/definitions.js';
import type { DefinitionStats } from '../store/definition-stats.js';

export function withEventStats<T>(answer: T, stats: ReadonlyMap<string, DefinitionStats>): T {
  const decorate = (node: Record<string, unknown>, fieldId: unknown) => {
    const name = definitionNameOf(fieldId);
    if (!name) return;
    const s = stats.get(name);
    node['event_count'] = s?.eventCount ?? 0;
    node['last_event_at'] = s?.lastEventAt ? s.lastEventAt.toISOString() : null;
  };
  const walk = (node: unknown, key: string | undefined) => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item, undefined);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const obj = node as Record<string, unknown>;
    if (typeof obj['activity_field_id'] === 'string') decorate(obj, obj['activity_field_id']);
    else if (key?.startsWith('act:')) decorate(obj, key);
    for (const [k, v] of Object.entries(obj)) if (typeof v === 'object') walk(v, k);
  };
  walk(answer, undefined);
  return answer;
}
