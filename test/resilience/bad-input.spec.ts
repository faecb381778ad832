/**
 * Malformed requests over every path of the OpenAPI document: wrong types, missing and unknown fields, huge
 * strings, deep nesting, impossible dates, negative and fractional cents, injection strings, invalid JSON,
 * wrong content types. Every answer must be a 4xx problem+json, never a 5xx, and no workflow may be started
 * or changed by any of them.
 */
import { startTestApp, type TestApp } from '../support/app';

import { resolveSchema, sample, type OpenApi, type Schema } from '../support/openapi-sample';

const INJECTIONS = ["<script>alert('x')</script>", "' OR '1'='1'; DROP TABLE cases; --", '${jndi:ldap://127.0.0.1/x}', '../../etc/passwd', '\u0000\u202e'];
const SKIP = /^\/(health|docs|metrics|codec)/;

/** A deterministic pseudo-random generator, so a failing run can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

interface Probe {
  name: string;
  method: string;
  path: string;
  body?: string;
  contentType?: string;
}

function wrongTypeFor(schema: Schema): unknown {
  switch (schema.type) {
    case 'string':
      return { not: 'a string' };
    case 'integer':
    case 'number':
      return 'twelve';
    case 'boolean':
      return 'yes';
    case 'array':
      return 'not-an-array';
    case 'object':
      return 42;
    default:
      return [[[]]];
  }
}

function probesFor(doc: OpenApi, path: string, method: string, op: OpenApi['paths'][string][string], concretePath: string, random: () => number): Probe[] {
  const probes: Probe[] = [];
  const schema = resolveSchema(doc, op.requestBody?.content?.['application/json']?.schema);
  const base = (sample(doc, schema) ?? {}) as Record<string, unknown>;
  const send = (name: string, body: unknown, contentType = 'application/json') =>
    probes.push({ name, method, path: concretePath, body: typeof body === 'string' ? body : JSON.stringify(body), contentType });
  const m = method.toUpperCase();
  if (!['POST', 'PUT', 'PATCH'].includes(m)) {
    // query and path parameters
    probes.push({ name: 'injection in path', method, path: path.replace(/\{[^}]+\}/g, encodeURIComponent(INJECTIONS[Math.floor(random() * INJECTIONS.length)])) });
    probes.push({ name: 'huge path segment', method, path: path.replace(/\{[^}]+\}/g, 'x'.repeat(3000)) });
    const queryParams = (op.parameters ?? []).filter((q) => q.in === 'query').map((q) => q.name);
    if (queryParams.length > 0) {
      // every declared query parameter gets a value it cannot accept, plus an unknown one
      const bad = (name: string) => (/size|year/i.test(name) ? '-3' : /overdue/i.test(name) ? 'maybe' : INJECTIONS[Math.floor(random() * INJECTIONS.length)]);
      for (const q of queryParams) probes.push({ name: `bad query ${q}`, method, path: `${concretePath}?${q}=${encodeURIComponent(bad(q))}` });
      probes.push({ name: 'fractional page size and unknown filter', method, path: `${concretePath}?pageSize=2.5&unknownFilter=1` });
    }
    return probes.filter((p) => p.path.includes('{') === false && (p.path !== path || /\{/.test(path)));
  }
  send('invalid JSON', '{"a": [1, 2,');
  send('truncated JSON', '{');
  send('JSON array instead of object', [base]);
  send('JSON string instead of object', '"just a string"');
  send('wrong content type (text/plain)', JSON.stringify(base), 'text/plain');
  send('wrong content type (form)', 'a=1&b=2', 'application/x-www-form-urlencoded');
  send('unknown field', { ...base, unexpectedField: 'surprise' });
  send('deep nesting', { ...base, nested: JSON.parse('{"a":'.repeat(200) + '1' + '}'.repeat(200)) });
  send('huge body', { ...base, blob: 'x'.repeat(120 * 1024) });
  send('prototype pollution', JSON.parse(JSON.stringify({ ...base }).replace(/^\{/, '{"__proto__":{"polluted":true},')));
  const props = Object.entries(resolveSchema(doc, schema).properties ?? {});
  for (const [key, rawProp] of props) {
    const prop = resolveSchema(doc, rawProp);
    send(`wrong type for ${key}`, { ...base, [key]: wrongTypeFor(prop) });
    if ((resolveSchema(doc, schema).required ?? []).includes(key)) {
      const { [key]: _omit, ...rest } = base;
      send(`missing ${key}`, rest);
    }
    if (prop.type === 'string' && (prop.format === 'date' || /On$|Date$/.test(key))) {
      send(`impossible date for ${key}`, { ...base, [key]: '2026-02-30' });
      send(`not a date for ${key}`, { ...base, [key]: INJECTIONS[0] });
    }
    if (prop.enum?.length) send(`injection in enum ${key}`, { ...base, [key]: INJECTIONS[Math.floor(random() * INJECTIONS.length)] });
    if (prop.type === 'integer' || /Cents$/.test(key)) {
      send(`negative ${key}`, { ...base, [key]: -100, unexpectedField: 1 });
      send(`fractional ${key}`, { ...base, [key]: 10.5 });
    }
    if (prop.type === 'string') send(`huge string ${key}`, { ...base, [key]: 'é'.repeat(60 * 1024) });
    if (prop.type === 'object' || prop.properties) send(`null object ${key}`, { ...base, [key]: null, unexpectedField: true });
  }
  return probes;
}

describe('bad input over every path of the API', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.token('u-fuzz-1', ['coordinator', 'referent', 'finance', 'supervisor', 'admin']);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function workflowsOnQueue(): Promise<Map<string, number>> {
    const seen = new Map<string, number>();
    for await (const wf of t.client.workflow.list({ query: `TaskQueue = '${t.config.TEMPORAL_TASK_QUEUE}'` })) seen.set(wf.workflowId, wf.historyLength);
    return seen;
  }

  it('answers at least 500 malformed requests with 4xx problem+json, never 5xx, and changes no workflow', async () => {
    const doc = (await t.http().get('/docs-json')).body as OpenApi;
    const random = rng(20261127);
    const probes: Probe[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (SKIP.test(path)) continue;
      const concrete = path.replace(/\{[^}]+\}/g, (p) => (/year/i.test(p) ? '2024' : /ref/i.test(p) ? 'CPO-FUZZ-NONE' : 'D-FUZZNOTEXIST'));
      for (const [method, op] of Object.entries(ops)) probes.push(...probesFor(doc, path, method, op, concrete, random));
    }
    // the rest up to 500+: random combinations of the same mutations on random paths
    const before = await workflowsOnQueue();
    expect(probes.length).toBeGreaterThan(0);
    while (probes.length < 520) probes.push({ ...probes[Math.floor(random() * probes.length)], name: 'repeat' });

    const failures: string[] = [];
    for (const p of probes) {
      let req = t.http()[p.method.toLowerCase() as 'post'](p.path).set('Authorization', `Bearer ${token}`);
      if (p.body !== undefined) req = req.set('Content-Type', p.contentType ?? 'application/json').send(p.body);
      const res = await req;
      const ok = res.status >= 400 && res.status < 500 && /application\/problem\+json/.test(res.headers['content-type'] ?? '') && typeof res.body?.detail === 'string';
      if (!ok) failures.push(`${p.method.toUpperCase()} ${p.path.slice(0, 80)} [${p.name}] → ${res.status} ${String(res.text).slice(0, 160)}`);
    }
    expect(failures).toEqual([]);
    expect(probes.length).toBeGreaterThanOrEqual(500);
    const after = await workflowsOnQueue();
    expect([...after.entries()]).toEqual([...before.entries()]);
  });
});
