/**
 * The hostile-body corpus (issue 13 #3): for every write route of the OpenAPI document, bodies built to make the
 * validation expensive — deep nesting, huge arrays, many fields, long strings — each just under the 100 kB body
 * limit (and one just over it), plus many query parameters on every list. Every one must be answered 400, 413 or
 * 415 with a small problem body, quickly, before anything reaches Temporal. Used by
 * test/security/bounded-cost.e2e.spec.ts and bench/hostile.ts (no test framework here).
 */

import { resolveSchema, sample, type OpenApi, type Schema } from '../support/openapi-sample';

export type { OpenApi, Schema };

export interface HostileProbe {
  /** The route, as the OpenAPI document writes it: `POST /parcours/{dossierId}/consent`. */
  route: string;
  /** What the body does. */
  name: string;
  method: string;
  path: string;
  body?: string;
  contentType?: string;
  /** Statuses the answer may have. */
  expect: number[];
}

/** The body limit of src/app.ts. */
export const BODY_LIMIT = 100 * 1024;
/** Hostile bodies are built to about this size: under the limit, so that the validation has to read them. */
const TARGET = BODY_LIMIT - 2 * 1024;

/** `count` copies of `item` in a JSON array, as many as fit in `bytes`. */
function arrayOf(item: unknown, bytes: number): string {
  const one = JSON.stringify(item);
  const count = Math.max(1, Math.floor(bytes / (Buffer.byteLength(one) + 1)));
  return `[${Array.from({ length: count }, () => one).join(',')}]`;
}

/** A JSON object nested `levels` deep: {"a":{"a":…1…}}. */
function nestedObject(levels: number): string {
  return '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
}

/** A JSON array nested `levels` deep: [[[…]]]. */
function nestedArray(levels: number): string {
  return '['.repeat(levels) + ']'.repeat(levels);
}

/** `base` with `key` set to a raw JSON text (so that huge values are written once, not stringified again). */
function withRaw(base: Record<string, unknown>, key: string, rawValue: string): string {
  const rest = JSON.stringify({ ...base, [key]: null });
  const marker = `${JSON.stringify(key)}:null`;
  const at = rest.lastIndexOf(marker);
  return rest.slice(0, at) + `${JSON.stringify(key)}:` + rawValue + rest.slice(at + marker.length);
}

function manyFields(base: Record<string, unknown>, bytes: number): string {
  const fields: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const f = `"f${i}":0`;
    fields.push(f);
    size += f.length + 1;
  }
  const head = JSON.stringify(base);
  return head === '{}' ? `{${fields.join(',')}}` : `${head.slice(0, -1)},${fields.join(',')}}`;
}

/** The hostile bodies of one write route. */
function bodyProbes(doc: OpenApi, route: string, method: string, path: string, bodySchema: Schema): HostileProbe[] {
  const schema = resolveSchema(doc, bodySchema);
  const base = (sample(doc, schema) ?? {}) as Record<string, unknown>;
  const baseSize = Buffer.byteLength(JSON.stringify(base));
  const room = TARGET - baseSize;
  const out: HostileProbe[] = [];
  const add = (name: string, body: string, expect = [400]) => out.push({ route, name, method, path, body, contentType: 'application/json', expect });

  add('deep nesting (objects, 16 000 levels)', withRaw(base, 'nested', nestedObject(Math.floor(room / 6))));
  add('deep nesting (arrays, 45 000 levels)', withRaw(base, 'nested', nestedArray(Math.floor(room / 2))));
  add('nesting 9 levels (small)', withRaw(base, 'nested', nestedObject(9)));
  add('many fields (9 000 unknown)', manyFields(base, room));
  add('a top-level array of bodies', arrayOf(base, TARGET));
  add('over the body limit', withRaw(base, 'blob', JSON.stringify('x'.repeat(BODY_LIMIT + 1024))), [413]);

  for (const [key, raw] of Object.entries(schema.properties ?? {})) {
    const prop = resolveSchema(doc, raw);
    const isArray = prop.type === 'array';
    const isObject = prop.type === 'object' || (!!prop.properties && !isArray);
    if (isArray) {
      const item = sample(doc, prop.items);
      add(`huge array ${key} (empty objects)`, withRaw(base, key, arrayOf({}, room)));
      add(`huge array ${key} (sample items)`, withRaw(base, key, arrayOf(item, room)));
      add(`huge array ${key} (empty strings)`, withRaw(base, key, arrayOf('', room)));
      // under the global cap of values, over any @ArrayMaxSize: the size check must stop it before the elements
      add(`array ${key} of 1 900 items (under the value cap)`, withRaw(base, key, `[${Array.from({ length: 1900 }, () => '{}').join(',')}]`));
      add(`array ${key} nesting deep items`, withRaw(base, key, `[${nestedObject(Math.floor(room / 6))}]`));
    }
    if (isObject) {
      add(`deep nesting in ${key}`, withRaw(base, key, nestedObject(Math.floor(room / 6))));
      add(`many fields in ${key}`, withRaw(base, key, manyFields(((typeof base[key] === 'object' && base[key]) || {}) as Record<string, unknown>, room)));
    }
    if (prop.type === 'string' || (!isArray && !isObject)) {
      add(`long string ${key} (ASCII)`, withRaw(base, key, JSON.stringify('x'.repeat(room - 16))));
      add(`long string ${key} (two-byte characters)`, withRaw(base, key, JSON.stringify('é'.repeat(Math.floor((room - 16) / 2)))));
      add(`long string ${key} (escaped NULs)`, withRaw(base, key, JSON.stringify('\u0000'.repeat(Math.floor((room - 16) / 6)))));
    }
  }
  // every field wrong at once: the answer lists the first 20 errors only
  const allWrong = Object.fromEntries(Object.keys(schema.properties ?? {}).map((k) => [k, { wrong: [1, 2, 3] }]));
  add('every field wrong and 1 800 unknown fields', manyFields(allWrong, 18_000));
  return out;
}

/**
 * The corpus over an OpenAPI document. `concrete` turns a templated path into one the test or bench can call
 * (existing ids, so that the body is what is refused); routes in `skip` (e.g. /codec) are left out.
 */
export function hostileCorpus(doc: OpenApi, concrete: (path: string) => string, skip: RegExp = /^\/(health|docs|metrics|codec)/): HostileProbe[] {
  const probes: HostileProbe[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (skip.test(path)) continue;
    for (const [method, op] of Object.entries(ops)) {
      const m = method.toUpperCase();
      const route = `${m} ${path}`;
      const bodySchema = op.requestBody?.content?.['application/json']?.schema;
      if (['POST', 'PUT', 'PATCH'].includes(m) && bodySchema) {
        probes.push(...bodyProbes(doc, route, m, concrete(path), bodySchema));
        probes.push({ route, name: 'charset latin1', method: m, path: concrete(path), body: '{}', contentType: 'application/json; charset=latin1', expect: [415] });
      }
      const queries = (op.parameters ?? []).filter((p) => p.in === 'query');
      if (m === 'GET' && queries.length > 0) {
        const many = Array.from({ length: 1000 }, (_, i) => `u${i}=1`).join('&');
        probes.push({ route, name: 'many unknown query parameters (1 000)', method: m, path: `${concrete(path)}?${many}`, expect: [400] });
        probes.push({ route, name: 'a repeated query parameter (1 000 times)', method: m, path: `${concrete(path)}?${Array.from({ length: 1000 }, () => `${queries[0].name}=1`).join('&')}`, expect: [400] });
      }
    }
  }
  return probes;
}
