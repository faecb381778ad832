/**
 * Access rules over HTTP, for every path of API.md (DOMAIN.md §5 "role-based access"): ONE table below says, per
 * verb and path, which roles may call it. For each row the test calls the path without a token and with a bad one
 * (401, except the public paths), as every role outside the role column (403 problem+json, nothing changed; a
 * référent even on their own case), as a référent on another référent's case wherever the path names a case (403,
 * nothing changed: probed through the case's state and timeline), and as every role of the
 * column (an answer other than 401/403: the real resource's 2xx or a domain 4xx). The table must list every
 * verb+path of the OpenAPI document, so a new route without an access row fails here.
 * One real app and worker for the whole file; real cases (référent A, référent B), a real convention, real schedules.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Response } from 'supertest';
import type { Role } from '../../src/auth/roles';
import {
  ACTION,
  ACTION_DONE,
  AWARD_NOTICE,
  BENEFICIARY_SIGNATURE,
  CLOSURE,
  CONSENT,
  CONVENTION,
  DEROGATION,
  RECTIFICATION,
  FINANCIAL_REPORT_SUBMITTED,
  LIFE_EVENT,
  onExampleDay,
  PAYMENT,
  PUBLICATION,
  REASSESSMENT,
  REFERRAL,
  RENEWAL,
  RESUMPTION,
  SEED_SESSION,
  STATE_SIGNATURE,
  SUBSIDY_REQUEST,
  SUSPENSION,
  TEAM_MEETING,
  TEAM_REVIEW,
  TRANSMISSION,
} from '../support/api-examples';
import { ensureMeeting } from '../support/team-meetings';
import { eventually, startTestApp, type TestApp } from '../support/app';
import { quietRuntime } from '../support/temporal';

/** Référent A (the `referent` caller of the table) and référent B, unique to this run. */
const run = randomUUID().slice(0, 6);
const REF_A = `u-ref-a${run}`;
const REF_B = `u-ref-b${run}`;
const SUBS: Record<Role, string> = { referent: REF_A, coordinator: 'u-coord-1', finance: 'u-fin-1', supervisor: 'u-sup-1', admin: 'u-adm-1' };
const SCHEDULE_PREFIX = `acc${run}-`;
const SCHEDULE_ID = `${SCHEDULE_PREFIX}eps-agenda`;
const uniqueRef = () => `CPO-ACC-${randomUUID().slice(0, 8).toUpperCase()}`;

// ---------------------------------------------------------------------------------------------------------------
// The API.md example bodies (test/support/api-examples.ts), with this file's variants
// ---------------------------------------------------------------------------------------------------------------

/** The API.md referral with a child of its own per call: one open case per child. */
const referral = () => ({ ...REFERRAL, child: { ...REFERRAL.child, lastName: `Benali${randomUUID().slice(0, 8)}` } });
/** The API.md team review, naming this run's référent. */
const teamReview = (referentId: string) => ({ ...TEAM_REVIEW, referentId });
/** The date this file has always sent: the row checks who may call, and accepts the domain's answer to any date. */
const AWARD_NOTICE_14_FEB = { ...AWARD_NOTICE, notifiedOn: '2025-02-14' };

// ---------------------------------------------------------------------------------------------------------------
// The access table
// ---------------------------------------------------------------------------------------------------------------

const ROLES: readonly Role[] = ['referent', 'coordinator', 'finance', 'supervisor', 'admin'];
const ALL_STAFF: Role[] = [...ROLES];
type Verb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** What a refused call must leave unchanged: référent B's case, the convention, the schedules. */
type Probe = 'otherCase' | 'convention' | 'schedules';

interface AccessRow {
  verb: Verb;
  /** The path as the OpenAPI document spells it: `{dossierId}` is référent A's case for allowed callers, B's otherwise. */
  path: string;
  /** Roles that may call it; `public`: no token needed (API.md "Auth"). */
  roles: Role[] | 'public';
  /** The answers an allowed caller may get (the real resource's 2xx, or the domain refusal of its current state). */
  ok: number[];
  body?: () => object;
  query?: string;
  /** Path values other than the defaults (year 2024). */
  params?: Record<string, string>;
  probe?: Probe;
  /** Where the rule comes from. */
  source: 'API.md' | 'not in API.md';
  /** Not in the OpenAPI document (served outside Swagger). */
  outsideOpenApi?: true;
}

/** A change the caller may make, answered by the domain: done, or refused by the state it finds (stage, dates). */
const CHANGE = [200, 201, 409, 422];

const TABLE: AccessRow[] = [
  // Parcours
  { verb: 'POST', path: '/parcours', roles: ['coordinator', 'referent'], ok: [201], body: referral, source: 'API.md' },
  { verb: 'GET', path: '/parcours', roles: ['coordinator', 'supervisor', 'referent'], ok: [200], source: 'API.md' },
  { verb: 'GET', path: '/parcours/{dossierId}', roles: ['coordinator', 'supervisor', 'referent'], ok: [200], source: 'API.md' },
  { verb: 'GET', path: '/parcours/{dossierId}/timeline', roles: ['coordinator', 'supervisor', 'referent'], ok: [200], source: 'API.md' },
  { verb: 'POST', path: '/parcours/{dossierId}/consent', roles: ['referent', 'coordinator'], ok: CHANGE, body: () => CONSENT, probe: 'otherCase', source: 'API.md' },
  { verb: 'POST', path: '/parcours/{dossierId}/team-reviews', roles: ['coordinator'], ok: CHANGE, body: () => teamReview(REF_A), probe: 'otherCase', source: 'API.md' },
  { verb: 'POST', path: '/parcours/{dossierId}/actions', roles: ['referent', 'coordinator'], ok: [201], body: () => ACTION, probe: 'otherCase', source: 'API.md' },
  { verb: 'PATCH', path: '/parcours/{dossierId}/actions/{actionId}', roles: ['referent', 'coordinator'], ok: CHANGE, body: () => ACTION_DONE, probe: 'otherCase', source: 'API.md' },
  { verb: 'POST', path: '/parcours/{dossierId}/reassessments', roles: ['referent', 'coordinator'], ok: CHANGE, body: () => REASSESSMENT, probe: 'otherCase', source: 'API.md' },
  { verb: 'POST', path: '/parcours/{dossierId}/renewals', roles: ['coordinator'], ok: CHANGE, body: () => RENEWAL, probe: 'otherCase', source: 'API.md' },
  { verb: 'POST', path: '/parcours/{dossierId}/suspension', roles: ['referent', 'coordinator'], ok: CHANGE, body: () => SUSPENSION, probe: 'otherCase', source: 'API.md' },
  { verb: 'POST', path: '/parcours/{dossierId}/resumption', roles: ['referent', 'coordinator'], ok: CHANGE, body: () => RESUMPTION, probe: 'otherCase', source: 'API.md' },
  { verb: 'POST', path: '/parcours/{dossierId}/events', roles: ['referent', 'coordinator'], ok: CHANGE, body: () => LIFE_EVENT, probe: 'otherCase', source: 'API.md' },
  // no concern on référent A's case: an allowed caller gets the domain's 404 (no concern of that date)
  { verb: 'POST', path: '/parcours/{dossierId}/safeguarding-reports', roles: ['referent', 'coordinator'], ok: [...CHANGE, 404], body: () => ({ concernOn: onExampleDay('2027-04-02'), reportedOn: onExampleDay('2027-04-03') }), probe: 'otherCase', source: 'API.md' },
  { verb: 'POST', path: '/parcours/{dossierId}/derogations', roles: ['coordinator'], ok: CHANGE, body: () => DEROGATION, probe: 'otherCase', source: 'API.md' },
  { verb: 'PUT', path: '/parcours/{dossierId}/referent', roles: ['coordinator'], ok: CHANGE, body: () => ({ referentId: REF_A }), probe: 'otherCase', source: 'API.md' },
  { verb: 'POST', path: '/parcours/{dossierId}/rectifications', roles: ['referent', 'coordinator'], ok: CHANGE, body: () => RECTIFICATION, probe: 'otherCase', source: 'not in API.md' },
  { verb: 'GET', path: '/parcours/{dossierId}/export', roles: ['coordinator'], ok: [200], source: 'not in API.md' },
  // a référent's caseload: `{referentId}` is référent A for allowed callers, B otherwise
  { verb: 'GET', path: '/referents/{referentId}/caseload', roles: ['coordinator', 'supervisor', 'referent'], ok: [200], source: 'API.md' },
  // last of the parcours rows: it closes référent A's case
  { verb: 'POST', path: '/parcours/{dossierId}/closure', roles: ['coordinator'], ok: CHANGE, body: () => CLOSURE, probe: 'otherCase', source: 'API.md' },

  // EPS meetings (the example's meeting is recorded before the table: a second record of its day is a 409)
  { verb: 'POST', path: '/team-meetings', roles: ['coordinator'], ok: [201, 409], body: () => TEAM_MEETING, source: 'API.md' },
  { verb: 'GET', path: '/team-meetings', roles: ['coordinator', 'supervisor'], ok: [200], source: 'API.md' },
  { verb: 'GET', path: '/team-meetings/next', roles: ['coordinator', 'supervisor'], ok: [200], source: 'API.md' },

  // Conventions and funding years
  { verb: 'POST', path: '/conventions', roles: ['finance'], ok: [201], body: () => ({ ...CONVENTION, reference: uniqueRef() }), source: 'API.md' },
  { verb: 'GET', path: '/conventions', roles: ['finance', 'supervisor'], ok: [200], source: 'API.md' },
  { verb: 'GET', path: '/conventions/{ref}', roles: ['finance', 'supervisor'], ok: [200], source: 'API.md' },
  { verb: 'GET', path: '/conventions/{ref}/timeline', roles: ['finance', 'supervisor'], ok: [200], source: 'not in API.md' },
  { verb: 'POST', path: '/conventions/{ref}/deliberations', roles: ['finance'], ok: CHANGE, body: () => SEED_SESSION, probe: 'convention', source: 'API.md' },
  { verb: 'POST', path: '/conventions/{ref}/publication', roles: ['finance'], ok: CHANGE, body: () => PUBLICATION, probe: 'convention', source: 'API.md' },
  { verb: 'POST', path: '/conventions/{ref}/transmission', roles: ['finance'], ok: CHANGE, body: () => TRANSMISSION, probe: 'convention', source: 'API.md' },
  { verb: 'POST', path: '/conventions/{ref}/signatures', roles: ['finance'], ok: CHANGE, body: () => BENEFICIARY_SIGNATURE, probe: 'convention', source: 'API.md' },
  { verb: 'GET', path: '/conventions/{ref}/years/{year}', roles: ['finance', 'supervisor'], ok: [200], source: 'API.md' },
  { verb: 'GET', path: '/conventions/{ref}/years/{year}/timeline', roles: ['finance', 'supervisor'], ok: [200], source: 'not in API.md' },
  { verb: 'POST', path: '/conventions/{ref}/years/{year}/authorisation', roles: ['finance'], ok: CHANGE, body: () => AWARD_NOTICE_14_FEB, params: { year: '2025' }, probe: 'convention', source: 'API.md' },
  { verb: 'POST', path: '/conventions/{ref}/years/{year}/request', roles: ['finance'], ok: CHANGE, body: () => SUBSIDY_REQUEST, params: { year: '2025' }, probe: 'convention', source: 'API.md' },
  { verb: 'POST', path: '/conventions/{ref}/years/{year}/payments', roles: ['finance'], ok: CHANGE, body: () => PAYMENT, probe: 'convention', source: 'API.md' },
  { verb: 'POST', path: '/conventions/{ref}/years/{year}/financial-report', roles: ['finance'], ok: CHANGE, body: () => FINANCIAL_REPORT_SUBMITTED, probe: 'convention', source: 'API.md' },
  { verb: 'GET', path: '/conventions/{ref}/ledger', roles: ['finance', 'supervisor'], ok: [200], source: 'not in API.md' },
  {
    verb: 'POST',
    path: '/conventions/{ref}/years/{year}/settlement',
    roles: ['finance'],
    ok: CHANGE,
    body: () => ({ decision: 'BALANCE_REDUCED', amountCents: 2000000, decidedOn: '2025-09-01', reference: 'Courrier préfecture 2025-88' }),
    probe: 'convention',
    source: 'not in API.md',
  },
  { verb: 'POST', path: '/conventions/{ref}/years/{year}/repayment', roles: ['finance'], ok: CHANGE, body: () => ({ repaidOn: '2025-11-15', amountCents: 150000, reference: 'Mandat 2025-4411' }), probe: 'convention', source: 'not in API.md' },

  // Schedules, reminders, reports
  { verb: 'GET', path: '/schedules', roles: ['admin', 'supervisor'], ok: [200], source: 'API.md' },
  { verb: 'POST', path: '/schedules/{id}/trigger', roles: ['admin'], ok: [200], probe: 'schedules', source: 'API.md' },
  { verb: 'POST', path: '/schedules/{id}/pause', roles: ['admin'], ok: [200], body: () => ({ note: 'Test des droits' }), probe: 'schedules', source: 'API.md' },
  { verb: 'POST', path: '/schedules/{id}/unpause', roles: ['admin'], ok: [200], body: () => ({}), probe: 'schedules', source: 'API.md' },
  {
    verb: 'POST',
    path: '/schedules/{id}/backfill',
    roles: ['admin'],
    ok: [200],
    body: () => ({ from: '2026-01-05T00:00:00Z', to: '2026-01-06T00:00:00Z' }),
    probe: 'schedules',
    source: 'API.md',
  },
  { verb: 'GET', path: '/notifications', roles: ['coordinator', 'supervisor', 'referent'], ok: [200], source: 'API.md' },
  { verb: 'GET', path: '/me/tasks', roles: ALL_STAFF, ok: [200], source: 'API.md' },
  { verb: 'GET', path: '/reports/indicators', roles: ['coordinator', 'finance', 'supervisor'], ok: [200], query: '?year=2025&period=civil', source: 'API.md' },

  // Operations
  { verb: 'GET', path: '/health/live', roles: 'public', ok: [200], source: 'API.md' },
  { verb: 'GET', path: '/health/ready', roles: 'public', ok: [200], source: 'API.md' },
  // API.md "Auth" asks a token on every path but /health/*, /docs* and /codec/*: the scraper uses an admin or supervisor token
  { verb: 'GET', path: '/metrics', roles: ['admin', 'supervisor'], ok: [200], source: 'API.md', outsideOpenApi: true },
  // the codec's own rule (DOMAIN.md §5): decoded only for supervisors and coordinators, by token or codec session (issue 13)
  { verb: 'POST', path: '/codec/decode', roles: ['supervisor', 'coordinator'], ok: [200], body: () => ({ payloads: [] }), source: 'API.md' },
  { verb: 'POST', path: '/codec/encode', roles: ['supervisor', 'coordinator'], ok: [200], body: () => ({ payloads: [] }), source: 'API.md' },
  { verb: 'POST', path: '/codec/session', roles: ['supervisor', 'coordinator'], ok: [204], source: 'API.md' },
  { verb: 'DELETE', path: '/codec/session', roles: ['supervisor', 'coordinator'], ok: [204], source: 'API.md' },
  { verb: 'GET', path: '/docs', roles: 'public', ok: [200], source: 'API.md', outsideOpenApi: true },
  { verb: 'GET', path: '/docs-json', roles: 'public', ok: [200], source: 'API.md', outsideOpenApi: true },
  { verb: 'GET', path: '/me', roles: ALL_STAFF, ok: [200], source: 'not in API.md' },
];

interface Entry {
  seq: number;
  type: string;
}
interface Task {
  dossierId?: string;
}
interface Notification {
  dossierId?: string;
  kind: string;
  deliveries: Array<{ recipient: string }>;
}

describe('access rules for every path of API.md', () => {
  let t: TestApp;
  const tokens = {} as Record<Role, string>;
  let tokenB: string;
  let badToken: string;
  /** Référent A's case, référent B's case, and a case of A's that a coordinator hands over to B. */
  const cases = { mine: '', theirs: '', handedOver: '' };
  let conventionRef: string;

  const bearer = (token: string) => `Bearer ${token}`;
  const get = (path: string, token: string) => t.http().get(path).set('Authorization', bearer(token));
  const send = (verb: Exclude<Verb, 'GET'>, path: string, token: string, body: object) => {
    const method = verb.toLowerCase() as 'post' | 'put' | 'patch';
    return t.http()[method](path).set('Authorization', bearer(token)).send(body);
  };
  const ok = async (res: Promise<Response> | Response, status: number): Promise<any> => {
    const r = await res;
    if (r.status !== status) throw new Error(`expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const isProblem = (res: Response, status: number) =>
    res.status === status && /^application\/problem\+json/.test(res.headers['content-type'] ?? '') && res.body.status === status && typeof res.body.type === 'string' && typeof res.body.detail === 'string';

  const timelineOf = async (dossierId: string) => (await ok(get(`/parcours/${dossierId}/timeline`, tokens.coordinator), 200)).items as Entry[];
  const listOf = async (token: string, query = '') => (await ok(get(`/parcours${query}`, token), 200)).items as Array<{ dossierId: string; referentId: string | null }>;

  /** A snapshot of what a refused call must leave as it was. */
  const probes: Record<Probe, () => Promise<unknown>> = {
    otherCase: async () => {
      const view = await ok(get(`/parcours/${cases.theirs}`, tokens.coordinator), 200);
      return { stage: view.stage, referentId: view.referentId, actions: view.actions, timeline: (await timelineOf(cases.theirs)).length };
    },
    convention: async () => {
      const size = (body: unknown) => (Array.isArray(body) ? body.length : (body as { items: unknown[] }).items.length);
      const parent = await ok(get(`/conventions/${conventionRef}/timeline`, tokens.finance), 200);
      const years = await Promise.all([2024, 2025].map(async (y) => {
        const res = await get(`/conventions/${conventionRef}/years/${y}/timeline`, tokens.finance);
        return res.status === 200 ? size(res.body) : res.status;
      }));
      return { convention: size(parent), years };
    },
    schedules: async () => ((await ok(get('/schedules', tokens.admin), 200)).items as Array<{ id: string; paused: boolean; note?: string }>).map((s) => [s.id, s.paused, s.note]),
  };

  /** The row's URL: `{dossierId}` is référent A's case (`own`) or référent B's (`other`). */
  const urlOf = (row: AccessRow, target: 'own' | 'other') => {
    const values: Record<string, string> = {
      dossierId: target === 'own' ? cases.mine : cases.theirs,
      referentId: target === 'own' ? REF_A : REF_B,
      actionId: 'a1',
      ref: conventionRef,
      year: '2024',
      id: SCHEDULE_ID,
      ...row.params,
    };
    return row.path.replace(/\{(\w+)\}/g, (_m, name: string) => values[name] ?? `{${name}}`) + (row.query ?? '');
  };
  const call = (row: AccessRow, target: 'own' | 'other', authorization?: string) => {
    const req = t.http()[row.verb.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](urlOf(row, target));
    if (authorization !== undefined) req.set('Authorization', authorization);
    return row.verb === 'GET' ? req : req.send(row.body?.() ?? {});
  };
  const describeAnswer = (res: Response) => `${res.status} ${res.headers['content-type'] ?? ''} ${JSON.stringify(res.body ?? res.text).slice(0, 300)}`;

  /** A case referred by `referent`, consented, validated by the EPS with them as référent, with one action (a1). */
  async function activeCase(referent: string, token: string): Promise<string> {
    const { dossierId } = await ok(send('POST', '/parcours', token, referral()), 201);
    await ok(send('POST', `/parcours/${dossierId}/consent`, token, CONSENT), 200);
    await ok(send('POST', `/parcours/${dossierId}/team-reviews`, tokens.coordinator, teamReview(referent)), 200);
    await ok(send('POST', `/parcours/${dossierId}/actions`, token, ACTION), 201);
    return dossierId as string;
  }

  beforeAll(async () => {
    quietRuntime();
    t = await startTestApp({ env: { PRE_SCHEDULE_ID_PREFIX: SCHEDULE_PREFIX, PRE_SCHEDULES_AT_STARTUP: 'true' } });
    for (const role of ROLES) tokens[role] = await t.token(SUBS[role], role);
    tokenB = await t.token(REF_B, 'referent');
    // signed with another secret: a well-formed token the API must not trust
    badToken = await new SignJWT({ roles: ['coordinator'] })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('u-coord-1')
      .setIssuer(t.config.JWT_ISSUER)
      .setAudience(t.config.JWT_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(randomBytes(32));

    // the EPS meeting the team reviews name
    await ensureMeeting(t.http, tokens.coordinator);
    conventionRef = uniqueRef();
    const convention = (async () => {
      const base = `/conventions/${conventionRef}`;
      await ok(send('POST', '/conventions', tokens.finance, { ...CONVENTION, reference: conventionRef }), 201);
      await ok(send('POST', `${base}/deliberations`, tokens.finance, SEED_SESSION), 201);
      await ok(send('POST', `${base}/publication`, tokens.finance, PUBLICATION), 200);
      await ok(send('POST', `${base}/transmission`, tokens.finance, TRANSMISSION), 200);
      await ok(send('POST', `${base}/signatures`, tokens.finance, BENEFICIARY_SIGNATURE), 200);
      await ok(send('POST', `${base}/signatures`, tokens.finance, STATE_SIGNATURE), 200);
      await eventually(async () => {
        const res = await get(`${base}/years/2024`, tokens.finance);
        return res.status === 200 && res.body.stage !== 'NOT_STARTED';
      });
    })();
    [cases.mine, cases.theirs, cases.handedOver] = await Promise.all([
      activeCase(REF_A, tokens.referent),
      activeCase(REF_B, tokenB),
      ok(send('POST', '/parcours', tokens.referent, referral()), 201).then((v: { dossierId: string }) => v.dossierId),
      convention,
    ]);
    // the schedules are created at start-up (this file's own prefix)
    await eventually(async () => {
      const res = await get('/schedules', tokens.admin);
      return res.status === 200 && (res.body.items as Array<{ exists: boolean }>).every((s) => s.exists);
    });
  });

  afterAll(async () => {
    for (const name of ['daily-digest', 'eps-agenda', 'funding-kickoff']) await t?.client.schedule.getHandle(`${SCHEDULE_PREFIX}${name}`).delete().catch(() => undefined);
    await t?.close();
  });

  describe('the table', () => {
    it('lists every verb and path of the OpenAPI document, each exactly once', async () => {
      const doc = await ok(t.http().get('/docs-json'), 200);
      const served = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
        .flatMap(([path, ops]) => Object.keys(ops).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)).map((m) => `${m.toUpperCase()} ${path}`))
        .sort();
      const rows = TABLE.map((r) => `${r.verb} ${r.path}`);
      expect(new Set(rows).size).toBe(rows.length);
      expect(TABLE.filter((r) => !r.outsideOpenApi).map((r) => `${r.verb} ${r.path}`).sort()).toEqual(served);
    });
  });

  describe('lists never show a référent another référent’s case', () => {
    it('GET /parcours: a référent lists only their own cases, with or without a referentId filter; coordinator and supervisor see both', async () => {
      const mine = await eventually(async () => {
        const items = await listOf(tokens.referent);
        return items.some((i) => i.dossierId === cases.mine) ? items : undefined;
      });
      expect(mine.every((i) => i.referentId === REF_A)).toBe(true);
      expect(mine.map((i) => i.dossierId)).not.toContain(cases.theirs);
      const filteredOwn = await listOf(tokens.referent, `?referentId=${REF_A}`);
      expect(filteredOwn.map((i) => i.dossierId)).not.toContain(cases.theirs);
      expect(filteredOwn.every((i) => i.referentId === REF_A)).toBe(true);
      const someoneElse = await get(`/parcours?referentId=${REF_B}`, tokens.referent);
      expect(isProblem(someoneElse, 403)).toBe(true);
      for (const role of ['coordinator', 'supervisor'] as const) {
        await eventually(async () => {
          const ids = (await listOf(tokens[role])).map((i) => i.dossierId);
          return ids.includes(cases.mine) && ids.includes(cases.theirs);
        });
        const filtered = await listOf(tokens[role], `?referentId=${REF_B}`);
        expect(filtered.map((i) => i.dossierId)).toContain(cases.theirs);
        expect(filtered.every((i) => i.referentId === REF_B)).toBe(true);
      }
    });

    it('GET /notifications: a référent sees only what is addressed to them, never another référent’s case', async () => {
      // every referral is acknowledged to its référent: wait until both acknowledgements are recorded
      await eventually(async () => {
        const items = (await ok(get('/notifications', tokens.coordinator), 200)).items as Notification[];
        const ids = items.map((n) => n.dossierId);
        return ids.includes(cases.mine) && ids.includes(cases.theirs);
      });
      const items = (await ok(get('/notifications', tokens.referent), 200)).items as Notification[];
      expect(items.map((n) => n.dossierId)).toContain(cases.mine);
      expect(items.map((n) => n.dossierId)).not.toContain(cases.theirs);
      expect(items.every((n) => n.deliveries.every((d) => d.recipient === REF_A))).toBe(true);
      expect(await ok(get(`/notifications?dossierId=${cases.theirs}`, tokens.referent), 200)).toEqual({ items: [] });
      expect(isProblem(await get(`/notifications?recipient=${REF_B}`, tokens.referent), 403)).toBe(true);
    });

    it('GET /me/tasks: a référent’s tasks are their own cases only; finance, supervisor and admin get no case', async () => {
      const mine = await eventually(async () => {
        const items = (await ok(get('/me/tasks', tokens.referent), 200)).items as Task[];
        return items.some((i) => i.dossierId === cases.mine) ? items : undefined;
      });
      expect(mine.map((i) => i.dossierId)).not.toContain(cases.theirs);
      const theirs = await eventually(async () => {
        const items = (await ok(get('/me/tasks', tokenB), 200)).items as Task[];
        return items.some((i) => i.dossierId === cases.theirs) ? items : undefined;
      });
      expect(theirs.map((i) => i.dossierId)).not.toContain(cases.mine);
      for (const role of ['finance', 'supervisor', 'admin'] as const) {
        const items = (await ok(get('/me/tasks', tokens[role]), 200)).items as Task[];
        expect(items.filter((i) => i.dossierId !== undefined)).toEqual([]);
      }
    });

    it('finance reads no case: its indicators and tasks name no dossier', async () => {
      const report = await ok(get('/reports/indicators?year=2026&period=civil', tokens.finance), 200);
      const tasks = await ok(get('/me/tasks', tokens.finance), 200);
      for (const body of [report, tasks]) {
        expect(JSON.stringify(body)).not.toContain(cases.mine);
        expect(JSON.stringify(body)).not.toContain(cases.theirs);
      }
    });

    it('only a coordinator decides an eligibility derogation at referral (403 problem+json for a référent)', async () => {
      const body = { ...referral(), derogation: { motive: 'Famille relogée hors QPV en cours d’année scolaire' } };
      expect(isProblem(await send('POST', '/parcours', tokens.referent, body), 403)).toBe(true);
      expect((await ok(send('POST', '/parcours', tokens.coordinator, body), 201)).stage).toBe('AWAITING_CONSENT');
    });

    it('a case handed over to another référent is no longer readable nor changeable by the first, and leaves their list', async () => {
      const id = cases.handedOver;
      expect((await ok(get(`/parcours/${id}`, tokens.referent), 200)).referentId).toBe(REF_A);
      await ok(send('PUT', `/parcours/${id}/referent`, tokens.coordinator, { referentId: REF_B }), 200);
      const before = (await timelineOf(id)).length;
      expect(isProblem(await get(`/parcours/${id}`, tokens.referent), 403)).toBe(true);
      expect(isProblem(await get(`/parcours/${id}/timeline`, tokens.referent), 403)).toBe(true);
      expect(isProblem(await send('POST', `/parcours/${id}/consent`, tokens.referent, CONSENT), 403)).toBe(true);
      expect((await timelineOf(id)).length).toBe(before);
      expect((await ok(get(`/parcours/${id}`, tokenB), 200)).referentId).toBe(REF_B);
      await ok(send('POST', `/parcours/${id}/consent`, tokenB, CONSENT), 200);
      await eventually(async () => !(await listOf(tokens.referent)).some((i) => i.dossierId === id));
      await eventually(async () => (await listOf(tokenB)).some((i) => i.dossierId === id));
    });
  });

  /**
   * A probe's reading once the previous row's allowed calls have settled (a funding year tells its convention of a
   * payment by a signal, a moment after the HTTP answer): two equal readings a quarter of a second apart.
   */
  async function settled(probe: Probe): Promise<unknown> {
    let previous = JSON.stringify(await probes[probe]());
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const now = JSON.stringify(await probes[probe]());
      if (now === previous) break;
      previous = now;
    }
    return JSON.parse(previous) as unknown;
  }

  describe('every row: 401 without a valid token, 403 problem+json for other roles (nothing changed), an answer for its roles', () => {
    const rows = TABLE.map((row) => [`${row.verb} ${row.path}${row.query ?? ''} — ${row.roles === 'public' ? 'public' : row.roles.join(', ')}`, row] as const);

    it.each(rows)('%s', async (_name, row) => {
      const expected: Record<string, number | string> = {};
      const actual: Record<string, number | string> = {};
      const before = row.probe ? await settled(row.probe) : undefined;

      if (row.roles === 'public') {
        for (const [who, auth] of [['no token', undefined], ['bad token', bearer(badToken)]] as const) {
          const res = await call(row, 'own', auth);
          expected[who] = 'answered';
          actual[who] = row.ok.includes(res.status) ? 'answered' : describeAnswer(res);
        }
      } else {
        for (const [who, auth] of [['no token', undefined], ['bad token', bearer(badToken)]] as const) {
          const res = await call(row, 'other', auth);
          expected[who] = 401;
          actual[who] = isProblem(res, 401) ? 401 : describeAnswer(res);
        }
      }
      const allowed = row.roles === 'public' ? ROLES : ROLES.filter((r) => (row.roles as Role[]).includes(r));
      // a role outside the column is refused on any case, the référent even on their own
      for (const role of ROLES.filter((r) => !allowed.includes(r))) {
        const res = await call(row, role === 'referent' ? 'own' : 'other', bearer(tokens[role]));
        expected[role] = 403;
        actual[role] = isProblem(res, 403) ? 403 : describeAnswer(res);
      }
      if (row.path.includes('{dossierId}') || row.path.includes('{referentId}')) {
        const who = 'referent on another référent’s case';
        const res = await call(row, 'other', bearer(tokens.referent));
        expected[who] = 403;
        actual[who] = isProblem(res, 403) && (!allowed.includes('referent') || res.body.type === 'urn:pre-orchestrator:problem:not-assigned') ? 403 : describeAnswer(res);
      }
      if (row.probe) expect({ [`${row.probe} after the refused calls`]: await probes[row.probe]() }).toEqual({ [`${row.probe} after the refused calls`]: before });

      for (const role of allowed) {
        const res = await call(row, 'own', bearer(tokens[role]));
        expected[role] = 'answered';
        actual[role] = row.ok.includes(res.status) ? 'answered' : describeAnswer(res);
      }
      expect(actual).toEqual(expected);
    });
  });
});
