// The one JSON body parser every route gets: it refuses, with a 400 naming the element, what the
// store cannot keep (U+0000, lone surrogates) and nesting deeper than MAX_JSON_DEPTH, before any
// route, validator or queue sees the body. Only application/json is parsed: text/plain (which
// Fastify parses by default) is answered 415, as README promises.
import type { FastifyInstance } from 'fastify';
import { describeJsonProblem, findJsonProblem } from '../../domain/json-text.js';
import { badRequest } from '../../errors.js';

// The text each parsed body came from, by the object it parsed to (routes that queue a body as
// received ask for it; nothing keeps it past the request).
const RAW_TEXT = new WeakMap<object, string>();

/** The JSON text `body` was parsed from by this parser, if it was (and is an object or array). */
export function rawJsonText(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null ? RAW_TEXT.get(body) : undefined;
}

// Names that secure-json-parse (Fastify's default parser) refuses: prototype poisoning. The
// parsed body is searched for them only when its text may hold one: spelt out, or spelt with a
// `\u` escape (`"\u005f_proto__"` parses to the same name, as secure-json-parse knows). Two
// substring searches: a regular expression tried at every `"` of a body cost 0.12 µs an activity.
const mayHoldPoison = (text: string, escapes: boolean) => escapes || text.includes('__proto__') || text.includes('constructor');

export function registerJsonBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(badRequest('request body is empty: send a JSON object'), undefined);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return done(badRequest('request body is not valid JSON'), undefined);
    }
    const escapes = text.includes('\\u');
    if (mayHoldPoison(text, escapes) && hasPoisonKey(value)) {
      return done(badRequest('request body holds a "__proto__" or "constructor.prototype" element, which is not allowed'), undefined);
    }
    const problem = findJsonProblem(value, escapes);
    if (problem) return done(badRequest(describeJsonProblem(problem)), undefined);
    if (typeof value === 'object' && value !== null) RAW_TEXT.set(value, text);
    done(null, value);
  });
}

function hasPoisonKey(value: unknown, depth = 0): boolean {
  if (typeof value !== 'object' || value === null || depth > 100) return false;
  if (Object.hasOwn(value, '__proto__')) return true;
  const ctor = (value as Record<string, unknown>)['constructor'];
  if (Object.hasOwn(value, 'constructor') && typeof ctor === 'object' && ctor !== null && Object.hasOwn(ctor, 'prototype')) return true;
  return Object.values(value).some((v) => hasPoisonKey(v, depth + 1));
}
