// What a JSON value must be for the store to keep it: PostgreSQL's text and jsonb refuse U+0000,
// jsonb refuses lone surrogates (JSON.stringify writes them as `\udXXX` escapes), and values nested
// without bound overflow every recursive step after parsing (validation, JSON.stringify, SQL
// building). One walk, bounded by the depth limit itself, finds the first offending element.

/** Deepest nesting of objects and arrays a request body may have (the top-level object is 1). */
export const MAX_JSON_DEPTH = 64;

export type JsonProblem = { path: string; problem: string };

function pathOf(parts: ReadonlyArray<string | number>): string {
  let out = '';
  for (const p of parts) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/** ES2024, in Node 20; the project's lib is ES2023. */
interface WellFormed {
  isWellFormed(): boolean;
}

/** Why a string cannot be stored, or undefined when it can. */
export function stringProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'holds U+0000 (a NUL character), which cannot be stored';
  if (!(s as unknown as WellFormed).isWellFormed()) return 'holds a lone UTF-16 surrogate, which is not valid Unicode';
  return undefined;
}

/**
 * The first element that cannot be stored, or undefined. `checkStrings: false` skips the string
 * checks (when the raw text shows no `\u` escape, neither U+0000 nor a lone surrogate can occur).
 */
export function findJsonProblem(value: unknown, checkStrings = true, maxDepth = MAX_JSON_DEPTH): JsonProblem | undefined {
  // Nearly every body is fine: a walk that keeps no path says so; the path is built only for a problem.
  if (!checkStrings && withinDepth(value, 1, maxDepth)) return undefined;
  const parts: Array<string | number> = [];
  const walk = (v: unknown, depth: number): JsonProblem | undefined => {
    if (typeof v === 'string') {
      const problem = checkStrings ? stringProblem(v) : undefined;
      return problem ? { path: pathOf(parts), problem } : undefined;
    }
    if (typeof v !== 'object' || v === null) return undefined;
    if (depth > maxDepth) return { path: pathOf(parts), problem: `nests deeper than ${maxDepth} levels of objects and arrays` };
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        parts.push(i);
        const found = walk(v[i], depth + 1);
        parts.pop();
        if (found) return found;
      }
      return undefined;
    }
    for (const key of Object.keys(v)) {
      if (checkStrings) {
        const problem = stringProblem(key);
        if (problem) return { path: pathOf(parts) || 'the request body', problem: `has an element name that ${problem}` };
      }
      parts.push(key);
      const found = walk((v as Record<string, unknown>)[key], depth + 1);
      parts.pop();
      if (found) return found;
    }
    return undefined;
  };
  return walk(value, 1);
}

/** True when no object or array in `v` nests deeper than maxDepth (the top level is `depth`). */
function withinDepth(v: unknown, depth: number, maxDepth: number): boolean {
  if (typeof v !== 'object' || v === null) return true;
  if (depth > maxDepth) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!withinDepth(v[i], depth + 1, maxDepth)) return false;
    return true;
  }
  for (const key in v) if (!withinDepth((v as Record<string, unknown>)[key], depth + 1, maxDepth)) return false;
  return true;
}

/** The problem as a client-facing sentence naming the element. */
export function describeJsonProblem(p: JsonProblem): string {
  return `${p.path || 'the request body'} ${p.problem}`;
}

/**
 * Why an activity cannot be queued (the worker could not even keep it as a dead letter), or
 * undefined: it must be an object whose JSON the store can hold. `contentChecked`: the body it
 * came in was already checked whole by findJsonProblem (only the object shape is left to check).
 */
export function queueableProblem(activity: unknown, contentChecked = false): string | undefined {
  if (typeof activity !== 'object' || activity === null || Array.isArray(activity)) return 'each activity must be an object';
  // The request's JSON body parser (http/plugins/json-body.ts) refused the whole body for the same
  // problems, with a stricter depth (an activity sits two levels down): no second walk.
  if (contentChecked) return undefined;
  const p = findJsonProblem(activity);
  if (!p) return undefined;
  return p.path ? `${p.path} ${p.problem}` : `the activity ${p.problem}`;
}
