/**
 * Input hygiene (issue 13 #9): control characters (newlines and tabs only in free text), lone surrogates and
 * bidirectional overrides are refused in text fields; only UTF-8 bodies are read; a forbidden key is named;
 * unknown query parameters are a 400. Each answer is a problem+json naming what is wrong, and nothing is
 * started or changed. Reported: NUL, lone surrogates and a right-to-left override in names were stored.
 */
import { startTestApp, type TestApp } from '../support/app';
import { settledQueue, workflowsOnQueue as onQueue } from '../support/queue-state';
import { CLOSURE, CONSENT, REFERRAL } from '../support/api-examples';

describe('input hygiene over the real API', () => {
  let t: TestApp;
  let token: string;
  let dossierId: string;

  const settled = () => settledQueue(t);
  const workflowsOnQueue = () => onQueue(t);
  const auth = () => `Bearer ${token}`;

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.token('u-hygiene-1', ['coordinator', 'referent', 'finance', 'supervisor', 'admin']);
    const referral = await t.http().post('/parcours').set('Authorization', auth()).send(REFERRAL);
    expect(referral.status).toBe(201);
    dossierId = referral.body.dossierId;
  });
  afterAll(async () => {
    await t?.close();
  });

  const named = (firstName: string) => ({ ...REFERRAL, child: { ...REFERRAL.child, firstName } });
  const CONTROL = /^firstName must not contain control characters or line breaks$/;
  const text: Array<[string, () => string, () => object, string, RegExp]> = [
    ['a NUL in a name', () => '/parcours', () => named('Li\u0000na'), 'child.firstName', CONTROL],
    ['a line break in a name', () => '/parcours', () => named('Li\nna'), 'child.firstName', CONTROL],
    ['a tab in a name', () => '/parcours', () => named('Li\tna'), 'child.firstName', CONTROL],
    ['an escape (C1 control) in a name', () => '/parcours', () => named('Li\u009bna'), 'child.firstName', CONTROL],
    ['a lone high surrogate in a name', () => '/parcours', () => named('Li\ud800na'), 'child.firstName', /^firstName must not contain unpaired surrogates \(invalid Unicode\)$/],
    ['a lone low surrogate in a guardian name', () => '/parcours', () => ({ ...REFERRAL, guardians: [{ ...REFERRAL.guardians[0], lastName: '\udc00Benali' }] }), 'guardians[0].lastName', /^lastName must not contain unpaired surrogates/],
    ['a right-to-left override in a name (reported)', () => '/parcours', () => named('Lina\u202egpj.exe'), 'child.firstName', /^firstName must not contain bidirectional control characters \(U\+202A–U\+202E, U\+2066–U\+2069\)$/],
    ['a right-to-left isolate in a school', () => '/parcours', () => ({ ...REFERRAL, child: { ...REFERRAL.child, school: { ...REFERRAL.child.school, name: 'École \u2067x' } } }), 'child.school.name', /^name must not contain bidirectional control characters/],
    ['a NUL in a free text (the context)', () => '/parcours', () => ({ ...REFERRAL, context: 'a\u0000b' }), 'context', /^context must not contain control characters \(other than tab and line breaks\)$/],
    ['a bidi override in a free text (a consent note)', () => `/parcours/${dossierId}/consent`, () => ({ ...CONSENT, note: 'ok \u202d' }), 'note', /^note must not contain bidirectional control characters/],
    ['a lone surrogate in a signatory', () => `/parcours/${dossierId}/consent`, () => ({ ...CONSENT, signedBy: [{ name: 'Samira \ud83d', relationship: 'MOTHER' }] }), 'signedBy[0].name', /^name must not contain unpaired surrogates/],
    ['a vertical tab in a closure summary', () => `/parcours/${dossierId}/closure`, () => ({ ...CLOSURE, summary: 'Fin\u000bdu suivi' }), 'summary', /^summary must not contain control characters \(other than tab and line breaks\)$/],
  ];

  it.each(text)('%s → 400 naming the field, nothing started or changed', async (_name, path, body, field, message) => {
    const before = await settled();
    const res = await t.http().post(path()).set('Authorization', auth()).send(body());
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'urn:pre-orchestrator:problem:validation', status: 400, instance: path() });
    expect((res.body.errors as Array<{ field: string; message: string }>).filter((e) => e.field === field).map((e) => e.message)).toEqual([expect.stringMatching(message)]);
    expect(await workflowsOnQueue()).toEqual(before);
  });

  it.each(['latin1', 'ISO-8859-1', 'utf-7', 'utf-16le', 'windows-1252'])('a body declared charset=%s → 415 unsupported-charset, nothing started', async (charset) => {
    const before = await settled();
    const res = await t.http().post('/parcours').set('Authorization', auth()).set('Content-Type', `application/json; charset=${charset}`).send(JSON.stringify(REFERRAL));
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(JSON.parse(res.text)).toEqual({
      type: 'urn:pre-orchestrator:problem:unsupported-charset',
      title: 'Unsupported Media Type',
      status: 415,
      detail: 'The request body must be UTF-8 JSON (Content-Type: application/json; charset=utf-8, or no charset).',
    });
    expect(await workflowsOnQueue()).toEqual(before);
  });

  it('charset=UTF-8 (any case) is read: the body reaches the validation', async () => {
    const res = await t.http().post('/parcours').set('Authorization', auth()).set('Content-Type', 'application/json; charset=UTF-8').send(JSON.stringify({ ...REFERRAL, referredOn: 'not a date' }));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'referredOn', message: 'referredOn must be a real calendar date YYYY-MM-DD' }]);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('a body holding the key %s → 400 forbidden-key naming it', async (key) => {
    const before = await settled();
    const raw = JSON.stringify(REFERRAL).replace(/^\{/, `{"child2":{"${key}":{"polluted":true}},`);
    const res = await t.http().post('/parcours').set('Authorization', auth()).set('Content-Type', 'application/json').send(raw);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({
      type: 'urn:pre-orchestrator:problem:forbidden-key',
      title: 'Bad Request',
      status: 400,
      detail: `The request body may not contain the key "${key}".`,
    });
    expect(await workflowsOnQueue()).toEqual(before);
  });

  it.each([
    ['/parcours?stage=ACTIVE&foo=1', 'foo'],
    ['/parcours?pageSize=10&__proto__=1', '__proto__'],
    ['/notifications?kindd=CONSENT_REMINDER', 'kindd'],
    ['/me/tasks?sort=dueOn', 'sort'],
    ['/conventions?filter=x', 'filter'],
    ['/reports/indicators?year=2025&format=x', 'format'],
  ])('GET %s → 400 naming the unknown parameter %s', async (url, param) => {
    const res = await t.http().get(url).set('Authorization', auth());
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'urn:pre-orchestrator:problem:validation', status: 400, instance: url.split('?')[0] });
    expect(res.body.errors).toEqual([{ field: param, message: `unknown field "${param}" is not allowed` }]);
  });

  it('clean text is accepted as sent: accents, emoji (paired surrogates), apostrophes, and line breaks and tabs in a free text', async () => {
    const res = await t.http().post(`/parcours/${dossierId}/consent`).set('Authorization', auth()).send({ ...CONSENT, signedBy: [{ name: "Zoë N'Diaye-Lefèvre 👩‍👧", relationship: 'MOTHER' }], note: 'Rencontre au centre social.\n\tLa mère signe.' });
    expect(res.status).toBe(200);
    expect(res.body.consent).toMatchObject({ signedBy: [{ name: "Zoë N'Diaye-Lefèvre 👩‍👧", relationship: 'MOTHER' }], note: 'Rencontre au centre social.\n\tLa mère signe.' });
  });
});
