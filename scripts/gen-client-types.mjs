// Writes packages/client/src/generated/types.ts from the server itself, so the SDK's wire types
// cannot drift from what the server validates:
//   - one type per TypeBox schema exported by src/http/schemas/*.ts (named as the export),
//   - `Operations`: every route of the OpenAPI document the built app serves (app.swagger()),
//     with its request body and 200 response,
//   - the closed error vocabulary of src/errors.ts (ERROR_STATUS),
//   - the field type prefixes and the value each takes (src/domain/field-types.ts FIELD_TYPE_RULES).
// Needs the compiled server: run `npx tsc -b` first (`npm run gen:client-types` does both).
//   node scripts/gen-client-types.mjs          write the file
//   node scripts/gen-client-types.mjs --check  exit 1 if the committed file is stale
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'packages/client/src/generated/types.ts');
const schemaDir = path.join(root, 'dist/src/http/schemas');

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (k) => (IDENT.test(k) ? k : JSON.stringify(k));

/** A JSDoc line for a description, or nothing. */
function doc(schema, pad) {
  const text = schema && typeof schema.description === 'string' ? schema.description : undefined;
  return text ? `${pad}/** ${text.replaceAll('*/', '*\\/')} */\n` : '';
}

/** JSON Schema (draft 7 / OpenAPI 3.0 flavour, as TypeBox and @fastify/swagger write it) → TS type text. */
function toTs(schema, refName, depth = 0) {
  const pad = '  '.repeat(depth + 1);
  const close = '  '.repeat(depth);
  if (schema === true || schema === undefined) return 'unknown';
  if (schema === false) return 'never';
  let out;
  if (schema.$ref !== undefined) out = refName(schema.$ref);
  else if (schema.const !== undefined) out = JSON.stringify(schema.const);
  else if (Array.isArray(schema.enum)) out = schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  else if (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf)) {
    out = (schema.anyOf ?? schema.oneOf).map((s) => wrap(toTs(s, refName, depth))).join(' | ');
  } else if (Array.isArray(schema.allOf)) out = schema.allOf.map((s) => wrap(toTs(s, refName, depth))).join(' & ');
  else if (Array.isArray(schema.type)) out = schema.type.map((t) => toTs({ ...schema, type: t }, refName, depth)).join(' | ');
  else {
    switch (schema.type) {
      case 'string': out = 'string'; break;
      case 'integer':
      case 'number': out = 'number'; break;
      case 'boolean': out = 'boolean'; break;
      case 'null': out = 'null'; break;
      case 'array': out = `Array<${toTs(schema.items, refName, depth)}>`; break;
      case 'object': {
        const required = new Set(schema.required ?? []);
        const lines = [];
        for (const [name, prop] of Object.entries(schema.properties ?? {})) {
          lines.push(`${doc(prop, pad)}${pad}${key(name)}${required.has(name) ? '' : '?'}: ${toTs(prop, refName, depth + 1)};\n`);
        }
        const extra = [...Object.values(schema.patternProperties ?? {})];
        if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) extra.push(schema.additionalProperties);
        if (extra.length > 0) lines.push(`${pad}[key: string]: ${extra.map((s) => toTs(s, refName, depth + 1)).join(' | ')};\n`);
        out = lines.length === 0 ? 'Record<string, unknown>' : `{\n${lines.join('')}${close}}`;
        break;
      }
      default: out = 'unknown';
    }
  }
  if (schema.nullable === true && out !== 'unknown') out = `${wrap(out)} | null`;
  return out;
}

function wrap(t) {
  return /[|&]/.test(t) && !t.startsWith('{') ? `(${t})` : t;
}

function isSchema(name, value) {
  return /^[A-Z][A-Za-z0-9]*$/.test(name) && !/^[A-Z0-9_]+$/.test(name) && value !== null && typeof value === 'object';
}

async function generate() {
  // 1. The exported TypeBox schemas, by export name; $refs point at $ids, mapped to export names.
  const named = new Map();
  for (const file of fs.readdirSync(schemaDir).filter((f) => f.endsWith('.js')).sort()) {
    const mod = await import(pathToFileURL(path.join(schemaDir, file)).href);
    for (const [name, value] of Object.entries(mod)) if (isSchema(name, value)) named.set(name, { file, schema: value });
  }
  const byId = new Map();
  for (const [name, { schema }] of named) if (typeof schema.$id === 'string') byId.set(schema.$id, name);
  const refName = (ref) => {
    const id = ref.replace(/^#\/components\/schemas\//, '');
    const name = byId.get(id) ?? (named.has(id) ? id : undefined);
    if (!name) throw new Error(`$ref "${ref}" names no exported schema`);
    return name;
  };

  // 2. The routes the app serves, from its OpenAPI document. The store is never touched while the
  // document is built, so a stand-in that refuses every query is enough.
  const { buildApp } = await import(pathToFileURL(path.join(root, 'dist/src/http/app.js')).href);
  const { loadConfig } = await import(pathToFileURL(path.join(root, 'dist/src/config.js')).href);
  const refuse = () => { throw new Error('the store is not available while generating client types'); };
  const db = new Proxy({}, { get: (_t, prop) => (prop === 'then' ? undefined : prop === 'kind' ? 'pglite' : refuse) });
  const app = await buildApp({ db, config: loadConfig({ LOG_LEVEL: 'silent' }), logger: false });
  await app.ready();
  const openapi = app.swagger();
  await app.close();

  const { ERROR_STATUS } = await import(pathToFileURL(path.join(root, 'dist/src/errors.js')).href);
  const { FIELD_TYPE_RULES } = await import(pathToFileURL(path.join(root, 'dist/src/domain/field-types.js')).href);

  let out = '';
  out += '// GENERATED by scripts/gen-client-types.mjs from the server\'s own schemas. Do not edit:\n';
  out += '// run `npm run gen:client-types` after changing src/http/schemas/, the routes or the field types.\n';
  out += '/* eslint-disable */\n\n';
  out += '/** The closed vocabulary of API failures and their HTTP statuses (src/errors.ts). */\n';
  out += `export const ERROR_STATUS = ${JSON.stringify(ERROR_STATUS, null, 2).replace(/"([a-z_]+)":/g, '$1:')} as const;\n\n`;
  out += 'export type ErrorKind = keyof typeof ERROR_STATUS;\n\n';
  out += '/** Field type prefixes and the value each takes; null clears a value (src/domain/field-types.ts). */\n';
  out += 'export interface FieldValueOfType {\n';
  for (const [type, rule] of Object.entries(FIELD_TYPE_RULES)) {
    if (rule.sdk.doc) out += `  /** ${rule.sdk.doc} */\n`;
    out += `  ${type}: ${rule.sdk.type};\n`;
  }
  out += '}\n\n';
  out += 'export type FieldType = keyof FieldValueOfType;\n\n';
  for (const [name, { file, schema }] of named) {
    out += `/** src/http/schemas/${file.replace(/\.js$/, '.ts')}: ${name}${schema.description ? `. ${schema.description.replaceAll('*/', '*\\/')}` : ''} */\n`;
    out += `export type ${name} = ${toTs(schema, refName)};\n\n`;
  }
  out += '/** Every route in the OpenAPI document, by "METHOD /path": its JSON body and its 200 response. */\n';
  out += 'export interface Operations {\n';
  const ops = [];
  for (const [p, methods] of Object.entries(openapi.paths ?? {})) {
    for (const [method, op] of Object.entries(methods)) ops.push({ id: `${method.toUpperCase()} ${p}`, op });
  }
  ops.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const { id, op } of ops) {
    const body = op.requestBody?.content?.['application/json']?.schema;
    const ok = op.responses?.['200']?.content?.['application/json']?.schema;
    if (op.summary) out += `  /** ${op.summary} */\n`;
    out += `  ${JSON.stringify(id)}: {\n`;
    out += `    body: ${body ? toTs(body, refName, 2) : 'undefined'};\n`;
    out += `    response: ${ok ? toTs(ok, refName, 2) : 'unknown'};\n`;
    out += '  };\n';
  }
  out += '}\n';
  return out;
}

const text = await generate();
if (process.argv.includes('--check')) {
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (current !== text) {
    console.error(`${path.relative(root, target)} is stale: run "npm run gen:client-types" and commit it`);
    process.exit(1);
  }
  console.log(`${path.relative(root, target)} is up to date`);
} else {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, text);
  console.log(`wrote ${path.relative(root, target)}`);
}
