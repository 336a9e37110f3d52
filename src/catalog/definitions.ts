// Use cases behind the definition endpoints: they join the pure rules (domain/definitions) with
// the store, inside one transaction each, so a refused request writes nothing.
import {
  definitionNameOf, planDefinition, planModification,
  type Definition, type DefinitionChanges, type DefinitionInput, type DefinitionPlan,
} from '../domain/definitions.js';
import { ApiError, badRequest, forbidden, notFound } from '../errors.js';
import type { Db, Sql } from '../store/db.js';
import { lockInstance } from '../store/instances.js';
import { customFieldTypes, registerCustomFields } from '../store/custom-fields.js';
import {
  archiveDefinition, countLiveDefinitions, getDefinition, insertDefinition, updateDefinition,
} from '../store/definitions.js';

async function registerMappedFields(tx: Sql, instanceId: string, plan: DefinitionPlan): Promise<void> {
  const stored = await registerCustomFields(tx, instanceId, 'person', plan.newFields);
  for (const field of plan.newFields) {
    const type = stored.get(field.name);
    if (type !== field.type) {
      throw badRequest(`field ${field.fieldId} conflicts with the existing field ${type}:cm:${field.name}`);
    }
  }
}

function nameOrThrow(activityFieldId: string): string {
  const name = definitionNameOf(activityFieldId);
  if (!name) throw badRequest(`activity_field_id "${activityFieldId}" must look like act:cm:<name>`);
  return name;
}

export async function createDefinition(
  db: Db,
  instanceId: string,
  input: DefinitionInput,
  maxCustomActivities: number,
  now: Date = new Date(),
): Promise<Definition> {
  return db.transaction(async (tx) => {
    // Definition changes of one instance one at a time: the live-count limit and the name checks.
    await lockInstance(tx, instanceId);
    const plan = planDefinition(input, await customFieldTypes(tx, instanceId, 'person'));
    if (!plan.ok) throw badRequest(plan.error);
    if (await getDefinition(tx, instanceId, input.name)) {
      throw badRequest(`an activity named "${input.name}" already exists (act:cm:${input.name})`);
    }
    const live = await countLiveDefinitions(tx, instanceId);
    if (live >= maxCustomActivities) {
      throw forbidden(`custom activity limit reached: this instance allows ${maxCustomActivities} custom activities`);
    }
    await registerMappedFields(tx, instanceId, plan.value);
    const def: Definition = { ...plan.value.definition, state: 'awaiting_implementation', createdAt: now, editedAt: now, archivedAt: null };
    await insertDefinition(tx, instanceId, def);
    return def;
  });
}

export async function modifyDefinition(
  db: Db,
  instanceId: string,
  activityFieldId: string,
  changes: DefinitionChanges,
  now: Date = new Date(),
): Promise<Definition> {
  const name = nameOrThrow(activityFieldId);
  return db.transaction(async (tx) => {
    await lockInstance(tx, instanceId);
    const current = await getDefinition(tx, instanceId, name, true);
    if (!current) throw notFound(`activity ${activityFieldId} not found`);
    const plan = planModification(current, changes, await customFieldTypes(tx, instanceId, 'person'));
    if (!plan.ok) throw badRequest(plan.error);
    await registerMappedFields(tx, instanceId, plan.value);
    const def: Definition = { ...current, ...plan.value.definition, editedAt: now };
    await updateDefinition(tx, instanceId, def);
    return def;
  });
}

export async function archiveDefinitionByFieldId(db: Db, instanceId: string, activityFieldId: string, now: Date = new Date()): Promise<string> {
  const name = nameOrThrow(activityFieldId);
  return db.transaction(async (tx) => {
    const current = await getDefinition(tx, instanceId, name, true);
    if (!current) throw notFound(`activity ${activityFieldId} not found`);
    if (current.archivedAt) {
      throw new ApiError('bad_request', `activity act:cm:${name} is already archived (since ${current.archivedAt.toISOString()})`);
    }
    await archiveDefinition(tx, instanceId, name, now);
    return `act:cm:${name}`;
  });
}
