// The embedded store's answers, decoded on the caller's thread: the store's thread sends each
// statement's backend messages as PGlite wrote them (one transferred buffer), and this turns them
// into rows here, with the PostgreSQL store's parsers (pg-types.ts). The store's thread, which
// runs every statement in turn, then spends none of its time on parsing results.
import { Parser } from 'pg-protocol/dist/parser.js';
import type { BackendMessage, DataRowMessage, DatabaseError, RowDescriptionMessage } from 'pg-protocol/dist/messages.js';
import { fromWireError, toWireError } from './pglite-protocol.js';
import { textParser, type TextParser } from './pg-types.js';

/**
 * The rows of the first result in `raw` (an extended-protocol exchange ending in Sync). An
 * ErrorResponse is thrown as the error it reports (its SQLSTATE in `code`, as from PGlite).
 */
export function rowsOf(raw: ArrayBuffer): unknown[] {
  const rows: unknown[] = [];
  let names: string[] | undefined;
  let parsers: TextParser[] = [];
  let results = 0;
  let error: DatabaseError | undefined;
  new Parser().parse(Buffer.from(raw), (message: BackendMessage) => {
    switch (message.name) {
      case 'rowDescription': {
        results++;
        const fields = (message as RowDescriptionMessage).fields;
        names = results === 1 ? fields.map((f) => f.name) : undefined;
        parsers = fields.map((f) => textParser(f.dataTypeID));
        break;
      }
      case 'dataRow': {
        if (!names) break;
        const values = (message as DataRowMessage).fields as Array<string | null>;
        const row: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) {
          const v = values[i];
          row[names[i]!] = v === null || v === undefined ? null : parsers[i]!(v);
        }
        rows.push(row);
        break;
      }
      case 'error':
        error ??= message as DatabaseError;
        break;
      default:
        break;
    }
  });
  // As the error crosses from the store's thread otherwise: its message and its own fields.
  if (error) throw fromWireError(toWireError(error));
  return rows;
}
