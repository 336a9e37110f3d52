// How both stores turn PostgreSQL's text values into JavaScript: node-postgres's type parsers
// (pg-types), with bigint (int8) as a JS number. The PostgreSQL store hands them to `pg`; the
// embedded store decodes PGlite's answers with them (pglite-results.ts), so a row reads the same
// on either store.
import pgTypes from 'pg-types';

// bigint (int8) as a JS number: counts and sizes here stay far below 2^53. Checked: a value past
// 2^53 (e.g. an identity taken on a Citus worker, 2^48 * group + n) fails loudly instead of
// silently losing digits; ids are read as text (`id::text`) for that reason.
function parseInt8(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${v} does not fit a JS number: read it as text`);
  return n;
}

export type TextParser = (value: string) => unknown;

/** The parser of a value of type `oid` in text format. */
export function textParser(oid: number): TextParser {
  return oid === 20 ? parseInt8 : (pgTypes.getTypeParser(oid, 'text') as TextParser);
}
