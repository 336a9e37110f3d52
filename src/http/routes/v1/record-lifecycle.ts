// Data lifecycle, as Ortto has it: PUT /v1/person/archive, PUT /v1/person/restore,
// DELETE /v1/person/delete, and the accounts equivalents. Only archived records can be deleted.
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_SELECTION_IDS, parseSelection, type SelectionBody } from '../../../domain/record-selection.js';
import { ACCOUNT, PERSON, type Subject } from '../../../domain/subjects.js';
import { badRequest } from '../../../errors.js';
import { archiveRecords, deleteArchivedRecords, restoreRecords } from '../../../store/record-lifecycle.js';
import type { Sql } from '../../../store/db.js';
import type { AppDeps } from '../../deps.js';
import { errorResponses } from '../../schemas/common.js';

const Ids = Type.Union([Type.Array(Type.String(), { maxItems: MAX_SELECTION_IDS }), Type.Null()]);
const SelectionSchema = Type.Object({
  inclusion_ids: Type.Optional(Ids),
  exclusion_ids: Type.Optional(Ids),
  all_rows_selected: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
}, { description: 'Every record in scope (all_rows_selected) or the listed ones, less exclusion_ids' });

type Action = 'archive' | 'restore' | 'delete';
const RUN: Record<Action, (sql: Sql, instanceId: string, kind: Subject['kind'], s: ReturnType<typeof parseSelection> & { ok: true }) => Promise<number>> = {
  archive: (sql, i, k, s) => archiveRecords(sql, i, k, s.value),
  restore: (sql, i, k, s) => restoreRecords(sql, i, k, s.value),
  delete: (sql, i, k, s) => deleteArchivedRecords(sql, i, k, s.value),
};

/** Ortto's answer keys, as recorded: persons say contacts; accounts say organizations, and accounts for delete. */
function answerKeys(subject: Subject, action: Action): [string, string] {
  const done = action === 'archive' ? 'archived' : action === 'restore' ? 'restored' : 'deleted';
  if (subject.kind === 'person') return ['scheduled_contacts', `${done}_contacts`];
  return action === 'delete' ? ['scheduled_accounts', 'deleted_accounts'] : ['scheduled_organizations', `${done}_organizations`];
}

export const recordLifecycleRoutes = (deps: AppDeps): FastifyPluginAsyncTypebox => async (app) => {
  const routes: Array<{ subject: Subject; action: Action; method: 'PUT' | 'DELETE'; url: string; summary: string }> = [
    { subject: PERSON, action: 'archive', method: 'PUT', url: '/person/archive', summary: 'Archive persons: hidden from reads, no events until restored' },
    { subject: PERSON, action: 'restore', method: 'PUT', url: '/person/restore', summary: 'Restore archived persons' },
    { subject: PERSON, action: 'delete', method: 'DELETE', url: '/person/delete', summary: 'Delete archived persons with their events, for good' },
    { subject: ACCOUNT, action: 'archive', method: 'PUT', url: '/accounts/archive', summary: 'Archive accounts' },
    { subject: ACCOUNT, action: 'restore', method: 'PUT', url: '/accounts/restore', summary: 'Restore archived accounts' },
    { subject: ACCOUNT, action: 'delete', method: 'DELETE', url: '/accounts/delete', summary: 'Delete archived accounts with their events, for good' },
  ];
  for (const { subject, action, method, url, summary } of routes) {
    const [scheduled, done] = answerKeys(subject, action);
    app.route({
      method, url,
      schema: {
        tags: [subject.kind === 'person' ? 'persons' : 'accounts'], summary, body: SelectionSchema,
        response: { 200: Type.Object({ [scheduled]: Type.Integer(), [done]: Type.Integer() }), ...errorResponses() },
      },
      handler: async (request) => {
        const selection = parseSelection(request.body as SelectionBody, subject.aLabel);
        if (!selection.ok) throw badRequest(selection.error);
        const n = await RUN[action](deps.db, request.auth.instanceId, subject.kind, selection);
        // Ortto may schedule large selections for later; here every change is done before the answer.
        return { [scheduled]: 0, [done]: n };
      },
    });
  }
};
