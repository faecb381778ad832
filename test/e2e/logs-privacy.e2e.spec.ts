/**
 * Issue 6 (DOMAIN.md §5, "no personal data in … logs"): the service runs as production runs it — a Temporal
 * dev server, `node dist/src/worker.js` and `node dist/src/main.js`, three processes, LOG_LEVEL=debug — and
 * every line the three write is kept. A full run of cases over HTTP (referrals with distinctive names, every
 * staff action, refused requests whose bodies carry the names, reads, reports, the codec, a notification the
 * mail server refuses at first) leaves none of the children's or families' data in those lines, in the
 * notification records (`GET /notifications`) or in the e-mails.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { NotificationRecord } from '../../activities/notifications.types';
import { signDevToken } from '../../src/auth/dev-token';
import type { Role } from '../../src/auth/roles';
import { loadEnv } from '../../src/config/env';
import { temporalBinaries } from '../../src/dev/dev-server';
import { searchAttributeCliArgs } from '../../workflows/shared/search-attributes';
import { codecAnswerText, codecBodies, historiesOfEveryRun, payloadsOf } from '../support/privacy';
import { addDays, parisDateOf } from '../../workflows/shared/calendar';
import { alive, descendants, killTree, reapWithThisProcess, spawnCaptured, startOnFreePorts, type Started } from '../support/processes';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { TEST_RATE_LIMITS } from '../support/rate-limits';

const root = join(__dirname, '..', '..');

/**
 * Dates relative to today, so that reminders fall due during the run (an action starting tomorrow). Paris days, as the
 * service counts them: between 23:00 and midnight UTC, UTC's "tomorrow" is already today in Paris, and an action
 * starting on the day it is recorded gets no reminder.
 */
const day = (offset: number) => addDays(parisDateOf(Date.now()), offset);

/** The families of this run: names no log line could hold by chance. */
const ZEPHYRINE = {
  firstName: 'Zéphyrine', lastName: 'Logscan', birthDate: '2016-07-29', line1: '27 rue des Quatre-Moulinets',
  guardian: { firstName: 'Anatole', lastName: 'Logscan', phone: '+33671935824' },
  school: 'École élémentaire Clémentine-Ardouvin',
};
const BARNABE = {
  firstName: 'Barnabé', lastName: 'Quillardet', birthDate: '2008-02-11', line1: '3 impasse du Grand-Vérossaz',
  guardian: { firstName: 'Honorine', lastName: 'Quillardet', phone: '+33745829316' },
  school: 'Collège Hyacinthe-Margoulin',
};
const PHILOMENE = {
  firstName: 'Philomène', lastName: 'Vauquelin', birthDate: '2019-05-23', line1: '8 chemin de la Brouette-Fendue',
  guardian: { firstName: 'Ferdinand', lastName: 'Vauquelin', phone: '+33652917483' },
  school: 'École maternelle Eudoxie-Tromblon',
};
type Family = typeof ZEPHYRINE;

/** The API.md referral body, for one family; personal data in the free text too, as staff write it. */
function referral(f: Family, referredOn: string) {
  return {
    referredOn,
    child: {
      firstName: f.firstName, lastName: f.lastName, birthDate: f.birthDate, sex: 'F',
      address: { line1: f.line1, postcode: '21000', city: 'Dijon' },
      qpv: 'GRESILLES',
      school: { name: f.school, level: 'CE2', priorityEducation: 'REP+' },
    },
    guardians: [{ firstName: f.guardian.firstName, lastName: f.guardian.lastName, relationship: 'FATHER', phone: f.guardian.phone }],
    orienteur: { type: 'SCHOOL', organisation: f.school },
    reasons: ['SCHOOL_RESULTS', 'SOCIAL_ISOLATION'],
    context: `${f.firstName} ${f.lastName}, née le ${f.birthDate}, ${f.line1} ; père joignable au ${f.guardian.phone}.`,
  };
}

/** What must never be written: each name, the address, the phone in its usual forms, the birth date in its usual forms. */
function secretsOf(f: Family): string[] {
  const [y, m, d] = f.birthDate.split('-');
  const phone = f.guardian.phone.slice(3); // national number without the leading 0
  return [
    f.firstName, f.lastName, f.guardian.firstName, f.guardian.lastName,
    f.line1, f.line1.replace(/^\d+ /, ''), f.school,
    f.guardian.phone, phone, `0${phone}`, phone.replace(/(\d)(\d\d)(\d\d)(\d\d)(\d\d)$/, '$1 $2 $3 $4 $5'),
    f.birthDate, `${d}/${m}/${y}`, `${y}${m}${d}`,
  ];
}
const SECRETS = [...new Set([ZEPHYRINE, BARNABE, PHILOMENE].flatMap(secretsOf))];

/** Case- and accent-insensitive form of a text. */
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/**
 * Every form under which a line could carry a secret: as written, with JSON `\uXXXX` escapes and URL escapes
 * undone, each base64-looking token decoded, each list of byte values decoded.
 */
function readableForms(line: string): string {
  const forms = [line, line.replace(/\\u([0-9a-fA-F]{4})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))];
  if (line.includes('%')) {
    try {
      forms.push(decodeURIComponent(line));
    } catch {
      forms.push(line.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))));
    }
  }
  for (const token of line.match(/[A-Za-z0-9+/_-]{12,}={0,2}/g) ?? []) forms.push(Buffer.from(token, /[-_]/.test(token) ? 'base64url' : 'base64').toString('utf8'));
  // bytes printed as numbers (Rust's Debug of a payload's data, a Buffer's JSON)
  for (const bytes of line.match(/\d{1,3}(?:, ?\d{1,3}){3,}/g) ?? []) forms.push(Buffer.from(bytes.split(/, ?/).map(Number)).toString('utf8'));
  return fold(forms.join('\n'));
}

interface Leak {
  source: string;
  secret: string;
  line: string;
}

/** The lines of each source that carry a secret. */
function leaks(sources: Record<string, string>): Leak[] {
  // a secret made of digits only (a phone number, a compact date) counts when no digit surrounds it: log lines are full of long numbers
  const needles = SECRETS.map((s) => fold(s)).map((folded, i) => ({
    secret: SECRETS[i],
    test: /^\d+$/.test(folded) ? (forms: string) => new RegExp(`(?<!\\d)${folded}(?!\\d)`).test(forms) : (forms: string) => forms.includes(folded),
  }));
  const found: Leak[] = [];
  for (const [source, text] of Object.entries(sources)) {
    for (const line of text.split('\n')) {
      const forms = readableForms(line);
      for (const n of needles) if (n.test(forms)) found.push({ source, secret: n.secret, line: line.slice(0, 600) });
    }
  }
  return found;
}

describe('logs of a full run (API, worker, Temporal dev server as separate processes, LOG_LEVEL=debug)', () => {
  jest.setTimeout(240_000);

  const processes: Record<'temporal' | 'worker' | 'api', Started | undefined> = { temporal: undefined, worker: undefined, api: undefined };
  let smtp: TestSmtpServer;
  let dataDir: string;
  let api: string;
  let temporalAddress: string;
  const tokens = {} as Record<'coord' | 'ref1' | 'ref2' | 'sup' | 'fin' | 'admin', string>;
  /** Every request sent, by its X-Request-Id. */
  const sent: Array<{ requestId: string; method: string; path: string; status: number; beforeRouting: boolean }> = [];
  const dossierIds: string[] = [];
  let outputs: Record<string, string> = {};
  let outbox = '';
  let mails = '';
  /** The case's payloads as the codec decodes them: the positive control of the scan. */
  let decoded = '';

  const stopAll = async () => {
    // the order of a deployment's shutdown: the API stops taking requests, the worker drains, then Temporal
    for (const name of ['api', 'worker', 'temporal'] as const) {
      const run = processes[name];
      if (!run || run.child.exitCode !== null || run.child.signalCode !== null) continue;
      run.child.kill('SIGTERM');
      const timer = setTimeout(() => run.child.kill('SIGKILL'), 20_000);
      await run.exited;
      clearTimeout(timer);
    }
  };

  beforeAll(async () => {
    // what `npm start` does first: (re)build dist/ when a source is newer, so the processes run the current code
    try {
      execFileSync(process.execPath, [join(root, 'scripts', 'ensure-build.js')], { cwd: root, stdio: 'pipe', encoding: 'utf8', timeout: 180_000 });
    } catch (e) {
      const { stdout, stderr } = e as { stdout?: string; stderr?: string };
      throw new Error(`the build failed:\n${`${stdout ?? ''}${stderr ?? ''}`.slice(-4000)}`);
    }
    dataDir = mkdtempSync(join(process.env.PRE_TEST_TMP ?? tmpdir(), 'logs-privacy-'));
    smtp = await startSmtpServer();
    // the first notice of an ineligible referral is refused (451): the notify activity fails in the worker and is retried
    let refused = 0;
    smtp.behaviour = (mail) => (/non retenue/.test(mail.subject) && refused++ === 0 ? { refuseWith: 451 } : {});

    const cleanEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir() };
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      TEMPORAL_TASK_QUEUE: 'pre-logs-privacy',
      HOST: '127.0.0.1',
      PRE_DATA_DIR: dataDir,
      JWT_SECRET: randomBytes(32).toString('base64url'),
      PRE_CHILD_KEY_SECRET: randomBytes(32).toString('base64url'),
      PRE_CODEC_KEYS: `lp-key:${randomBytes(32).toString('base64')}`,
      LOG_LEVEL: 'debug',
      LOG_JSON: 'true',
      PRE_TIMER_LOCAL_HOUR: '0', // reminders due from midnight, Paris: the reminder of tomorrow's action is due whatever the hour of the run (08:00 by default)
      UPDATE_TIMEOUT_SECONDS: '15', // the 504s below, once the worker is stopped, come after 15 s rather than 30 (10 s proved tight on 2 busy cores)
      SMTP_URL: smtp.url,
      STAFF_DIRECTORY: 'u-coord-1=coordination@ccas-dijon.invalid,u-ref-1=referent1@ccas-dijon.invalid,u-ref-2=referent2@ccas-dijon.invalid',
      ...TEST_RATE_LIMITS, // this file is about logs; test/security checks the limits
    };
    const config = loadEnv(env); // the same configuration the processes validate, for signing tokens
    const sign = (sub: string, role: Role) => signDevToken(config, sub, [role]);
    [tokens.coord, tokens.ref1, tokens.ref2, tokens.sup, tokens.fin, tokens.admin] = await Promise.all([
      sign('u-coord-1', 'coordinator'), sign('u-ref-1', 'referent'), sign('u-ref-2', 'referent'),
      sign('u-sup-1', 'supervisor'), sign('u-fin-1', 'finance'), sign('u-admin-1', 'admin'),
    ]);

    process.stdout.write(`logs-privacy: data folder and captured logs in ${dataDir}\n`);
    // the three processes on free ports, started again on fresh ones when one exits because a port was taken
    // (startOnFreePorts); waiting for the API fails as soon as one of the three exits, with what each said
    await startOnFreePorts(
      3,
      ([devPort, apiPort, metricsPort]) => {
        temporalAddress = `127.0.0.1:${devPort}`;
        api = `http://127.0.0.1:${apiPort}`;
        const ported = { ...cleanEnv, ...env, TEMPORAL_ADDRESS: temporalAddress, PORT: String(apiPort), WORKER_METRICS_PORT: String(metricsPort) };
        const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(devPort), '--headless', '--log-level', 'debug'];
        for (const sa of searchAttributeCliArgs()) args.push('--search-attribute', sa);
        processes.temporal = spawnCaptured(temporalBinaries().cli, args, { env: cleanEnv });
        processes.worker = spawnCaptured(process.execPath, [join(root, 'dist', 'src', 'worker.js')], { cwd: root, env: ported });
        processes.api = spawnCaptured(process.execPath, [join(root, 'dist', 'src', 'main.js')], { cwd: root, env: ported });
        const started = [processes.temporal, processes.worker, processes.api];
        for (const run of started) reapWithThisProcess(run.child.pid!);
        return started;
      },
      ([, apiPort]) => `http://127.0.0.1:${apiPort}/health/ready`,
      90_000,
    );
  });

  afterAll(async () => {
    await stopAll().catch(() => undefined);
    for (const run of Object.values(processes)) if (run) killTree(run);
    await smtp?.close();
  });

  let seq = 0;
  /** One HTTP call with its own request id (to find its log line); the body may be raw text. */
  async function call(
    method: string,
    path: string,
    opts: { token?: keyof typeof tokens; body?: unknown; raw?: string; contentType?: string; key?: string; beforeRouting?: boolean } = {},
  ) {
    const requestId = `lp-req-${++seq}`;
    const headers: Record<string, string> = { 'X-Request-Id': requestId };
    if (opts.token) headers.Authorization = `Bearer ${tokens[opts.token]}`;
    if (opts.key) headers['Idempotency-Key'] = opts.key;
    let body: string | undefined;
    if (opts.raw !== undefined) {
      body = opts.raw;
      headers['Content-Type'] = opts.contentType ?? 'application/json';
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['Content-Type'] = 'application/json';
    }
    const res = await fetch(`${api}${path}`, { method, headers, body });
    const text = await res.text();
    sent.push({ requestId, method, path, status: res.status, beforeRouting: opts.beforeRouting ?? false });
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // CSV or empty
    }
    return { status: res.status, body: json, text };
  }
  async function expectStatus(status: number, res: Promise<Awaited<ReturnType<typeof call>>>) {
    const r = await res;
    if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${r.text.slice(0, 500)}`);
    return r.body as { dossierId: string; stage: string; actions: Array<{ id: string; status: string }> } & Record<string, unknown>;
  }

  it('drives a full run over HTTP: referrals, every staff action, refusals carrying the names, reads, reports, the codec', async () => {
    const z = referral(ZEPHYRINE, day(-20));
    // --- referrals: one followed to closure, one ineligible (17 years old), one refused by the family
    const created = await expectStatus(201, call('POST', '/parcours', { token: 'ref1', body: z, key: 'lp-referral-z' }));
    expect(created.stage).toBe('AWAITING_CONSENT');
    const id = created.dossierId;
    dossierIds.push(id);
    expect((await expectStatus(201, call('POST', '/parcours', { token: 'ref1', body: z, key: 'lp-referral-z' }))).dossierId).toBe(id); // replayed
    const barnabe = await expectStatus(201, call('POST', '/parcours', { token: 'coord', body: referral(BARNABE, day(-15)) }));
    dossierIds.push(barnabe.dossierId);
    const philomene = await expectStatus(201, call('POST', '/parcours', { token: 'ref1', body: referral(PHILOMENE, day(-12)) }));
    dossierIds.push(philomene.dossierId);
    const refused = await expectStatus(200, call('POST', `/parcours/${philomene.dossierId}/consent`, {
      token: 'ref1',
      body: { decision: 'REFUSED', signedOn: day(-10), signedBy: [{ name: `${PHILOMENE.guardian.firstName} ${PHILOMENE.guardian.lastName}`, relationship: 'FATHER' }], dataSharingInformed: true },
    }));
    expect(refused.stage).toBe('CLOSED');

    // --- refused requests whose bodies carry the names
    const dup = await call('POST', '/parcours', { token: 'coord', body: { ...z, child: { ...z.child, firstName: ' ZÉPHYRINE ', lastName: 'logscan' } } });
    expect({ status: dup.status, dossierId: dup.body.dossierId }).toEqual({ status: 409, dossierId: id });
    const invalid = await call('POST', '/parcours', {
      token: 'coord',
      body: { ...z, nickname: `${ZEPHYRINE.firstName} la petite`, child: { ...z.child, birthDate: '2016-02-30', sex: ZEPHYRINE.firstName }, orienteur: { type: ZEPHYRINE.school } },
    });
    expect(invalid.status).toBe(400);
    expect((invalid.body.errors as Array<{ field: string }>).map((e) => e.field)).toEqual(expect.arrayContaining(['nickname', 'child.birthDate', 'child.sex', 'orienteur.type']));
    // refused by the body parser, before routing (src/app.ts): logged like every other request (route "unmatched")
    const unparsable = `{"child": {"firstName": "${ZEPHYRINE.firstName}", "lastName": "${ZEPHYRINE.lastName}",`;
    expect((await call('POST', '/parcours', { token: 'coord', raw: unparsable, beforeRouting: true })).status).toBe(400);
    expect((await call('POST', '/parcours', { token: 'coord', raw: JSON.stringify(z), contentType: 'text/plain', beforeRouting: true })).status).toBe(415);
    const huge = { ...z, context: `${ZEPHYRINE.firstName} ${ZEPHYRINE.lastName} `.repeat(6000) };
    expect((await call('POST', '/parcours', { token: 'coord', body: huge, beforeRouting: true })).status).toBe(413);
    expect((await call('POST', '/parcours', { body: z })).status).toBe(401);
    expect((await call('POST', '/parcours', { token: 'fin', body: z })).status).toBe(403);
    const early = await call('POST', `/parcours/${id}/consent`, {
      token: 'ref1',
      body: { decision: 'GRANTED', signedOn: day(-30), signedBy: [{ name: `${ZEPHYRINE.guardian.firstName} ${ZEPHYRINE.guardian.lastName}`, relationship: 'FATHER' }], dataSharingInformed: true },
    });
    expect(early.status).toBe(422);
    // the EPS meeting of the team reviews below (staff ids only)
    expect((await call('POST', '/team-meetings', { token: 'coord', body: { meetingDate: day(-5), attendees: [{ staffId: 'u-coord-1', role: 'coordinator' }], secrecyCharterRead: true } })).status).toBe(201);
    expect((await call('POST', `/parcours/${id}/team-reviews`, { token: 'coord', body: { meetingId: `EPS-${day(-5)}`, decision: 'VALIDATED', objectives: [{ label: `${ZEPHYRINE.firstName} lit seule` }], referentId: 'u-ref-1', durationMonths: 12 } })).status).toBe(409);

    // --- the case's life: consent, EPS, actions, reassessment, suspension, life events, derogation, référent, closure
    await expectStatus(200, call('POST', `/parcours/${id}/consent`, {
      token: 'ref1',
      key: 'lp-consent',
      body: { decision: 'GRANTED', signedOn: day(-10), signedBy: [{ name: `${ZEPHYRINE.guardian.firstName} ${ZEPHYRINE.guardian.lastName}`, relationship: 'FATHER' }], dataSharingInformed: true },
    }));
    const active = await expectStatus(200, call('POST', `/parcours/${id}/team-reviews`, {
      token: 'coord',
      body: { meetingId: `EPS-${day(-5)}`, decision: 'VALIDATED', objectives: [{ label: `${ZEPHYRINE.firstName} lit couramment en juin` }], referentId: 'u-ref-1', durationMonths: 12 },
    }));
    expect(active.stage).toBe('ACTIVE');
    // starts tomorrow: its reminder falls due today, and goes out by e-mail (refused at first by the mail server)
    await expectStatus(201, call('POST', `/parcours/${id}/actions`, { token: 'ref1', body: { type: 'SCHOOL_SUPPORT', provider: 'Association Lire et Faire Lire', startsOn: day(1), endsOn: day(200), frequency: 'WEEKLY' } }));
    await expectStatus(201, call('POST', `/parcours/${id}/actions`, { token: 'ref1', body: { type: 'SPORT', provider: 'ASPTT Dijon', startsOn: day(30), sessions: 20, frequency: 'WEEKLY' } }));
    await expectStatus(200, call('PATCH', `/parcours/${id}/actions/a1`, { token: 'ref1', body: { provider: 'Association Lire et Faire Lire — Dijon' } }));
    expect((await call('PATCH', `/parcours/${id}/actions/a2`, { token: 'ref1', body: { status: 'CANCELLED' } })).status).toBe(422);
    await expectStatus(200, call('PATCH', `/parcours/${id}/actions/a2`, { token: 'ref1', body: { status: 'CANCELLED', motive: `${ZEPHYRINE.firstName} préfère la danse` } }));
    await expectStatus(200, call('POST', `/parcours/${id}/reassessments`, {
      token: 'ref1',
      body: { assessedOn: day(0), progress: [{ objectiveId: 'o1', level: 'PARTIAL', note: `${ZEPHYRINE.firstName} ${ZEPHYRINE.lastName} progresse` }], decision: 'CONTINUE' },
    }));
    await expectStatus(200, call('POST', `/parcours/${id}/suspension`, { token: 'ref1', body: { reason: 'HOSPITALISATION', startsOn: day(0), expectedEndOn: day(20), note: `${ZEPHYRINE.firstName} hospitalisée` } }));
    expect((await call('POST', `/parcours/${id}/suspension`, { token: 'ref1', body: { reason: 'HOSPITALISATION', startsOn: day(0), note: ZEPHYRINE.lastName } })).status).toBe(409);
    await expectStatus(200, call('POST', `/parcours/${id}/resumption`, { token: 'ref1', body: { resumedOn: day(0), note: `retour de ${ZEPHYRINE.firstName}` } }));
    await expectStatus(200, call('POST', `/parcours/${id}/events`, {
      token: 'ref1',
      body: { type: 'SAFEGUARDING_CONCERN', occurredOn: day(0), reportedOn: day(0), note: `${ZEPHYRINE.firstName} ${ZEPHYRINE.lastName}, ${ZEPHYRINE.line1}` },
    }));
    await expectStatus(200, call('POST', `/parcours/${id}/events`, { token: 'ref1', body: { type: 'FAMILY_UNREACHABLE', occurredOn: day(0), note: `${ZEPHYRINE.guardian.phone} ne répond pas` } }));
    await expectStatus(200, call('POST', `/parcours/${id}/events`, { token: 'ref1', body: { type: 'CONTACT_RESTORED', occurredOn: day(0), note: `${ZEPHYRINE.guardian.firstName} rappelé` } }));
    expect((await call('POST', `/parcours/${id}/derogations`, { token: 'coord', body: { kind: 'DURATION', decidedOn: day(0), maxTotalMonths: 30 } })).status).toBe(422);
    await expectStatus(200, call('POST', `/parcours/${id}/derogations`, { token: 'coord', body: { kind: 'DURATION', decidedOn: day(0), maxTotalMonths: 30, motive: `Situation de ${ZEPHYRINE.firstName} ${ZEPHYRINE.lastName}` } }));
    expect((await expectStatus(200, call('PUT', `/parcours/${id}/referent`, { token: 'coord', body: { referentId: 'u-ref-2' } }))).referentId).toBe('u-ref-2');
    expect((await call('GET', `/parcours/${id}`, { token: 'ref1' })).status).toBe(403);

    // --- reads: the case, its timeline, lists, notifications, tasks, reports, the EPS agenda, schedules
    const read = await expectStatus(200, call('GET', `/parcours/${id}`, { token: 'ref2' }));
    expect(read).toMatchObject({ dossierId: id, child: { firstName: ZEPHYRINE.firstName } }); // the data is there, for the API's callers
    expect(((await expectStatus(200, call('GET', `/parcours/${id}/timeline`, { token: 'coord' }))).items as unknown[]).length).toBeGreaterThan(10);
    await expectStatus(200, call('GET', '/parcours?qpv=GRESILLES&pageSize=500', { token: 'coord' }));
    await expectStatus(200, call('GET', '/parcours', { token: 'ref2' }));
    await expectStatus(200, call('GET', '/parcours?closureReason=NO_CONSENT', { token: 'sup' }));
    expect((await call('GET', '/parcours/D-0000000000', { token: 'coord' })).status).toBe(404);
    await expectStatus(200, call('GET', '/notifications', { token: 'coord' }));
    await expectStatus(200, call('GET', `/notifications?dossierId=${id}`, { token: 'coord' }));
    await expectStatus(200, call('GET', '/me/tasks', { token: 'ref2' }));
    await expectStatus(200, call('GET', '/me/tasks', { token: 'coord' }));
    await expectStatus(200, call('GET', `/reports/indicators?year=${day(0).slice(0, 4)}`, { token: 'coord' }));
    await expectStatus(200, call('GET', `/reports/indicators?year=${day(0).slice(0, 4)}&period=school`, { token: 'sup' }));
    await expectStatus(200, call('GET', '/team-meetings/next', { token: 'coord' }));
    await expectStatus(200, call('GET', '/schedules', { token: 'admin' }));
    // the sweeps across cases: the référents' digest and the EPS agenda, run now
    await expectStatus(200, call('POST', '/schedules/pre-daily-digest/trigger', { token: 'admin' }));
    await expectStatus(200, call('POST', '/schedules/pre-eps-agenda/trigger', { token: 'admin' }));

    // --- the codec, as the Temporal UI uses it: the payloads hold the names, the access log line must not
    const connection = await Connection.connect({ address: temporalAddress });
    try {
      const runs = await historiesOfEveryRun(new Client({ connection }), `parcours-${id}`);
      expect(runs.length).toBeGreaterThanOrEqual(1);
      let clear = '';
      for (const body of codecBodies(runs.flatMap((r) => payloadsOf(r.history)))) {
        const res = await call('POST', '/codec/decode', { token: 'sup', raw: JSON.stringify(body) });
        expect(res.status).toBe(200);
        clear += codecAnswerText(res.body as { payloads: Array<{ data: string }> });
      }
      expect(clear).toContain(`${ZEPHYRINE.firstName} ${ZEPHYRINE.lastName} progresse`);
      decoded = clear;
    } finally {
      await connection.close();
    }

    // --- closure, then a change refused on the closed case
    const closed = await expectStatus(200, call('POST', `/parcours/${id}/closure`, {
      token: 'coord',
      body: { reason: 'OBJECTIVES_MET', closedOn: day(0), summary: `${ZEPHYRINE.firstName} ${ZEPHYRINE.lastName} lit couramment.`, handedOverTo: 'Centre social des Grésilles' },
    }));
    expect(closed.stage).toBe('CLOSED');
    expect((await call('POST', `/parcours/${id}/events`, { token: 'ref2', body: { type: 'MOVED_OUT', occurredOn: day(0), leftCity: true, note: ZEPHYRINE.line1 } })).status).toBe(409);

    // --- the notifications of the case reached their records in Temporal and the mail server; the refused one failed in the worker
    const started = Date.now();
    const done = async () => {
      const listed = (await call('GET', '/notifications?pageSize=100', { token: 'coord' })).body as { items?: NotificationRecord[] };
      return (
        (listed.items ?? []).some((n) => n.kind === 'SAFEGUARDING_ESCALATION' && n.deliveries.length > 0 && n.deliveries.every((d) => d.status === 'SENT')) &&
        /"msg":"Activity failed"/.test(processes.worker!.output())
      );
    };
    while (!(await done()) && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 500));
    expect(await done()).toBe(true);
  });

  it('with the worker stopped, a referral and a read fail with 5xx (logged as errors), names in the body', async () => {
    const worker = processes.worker!;
    worker.child.kill('SIGTERM');
    await worker.exited;
    const [res, read] = await Promise.all([call('POST', '/parcours', { token: 'coord', body: referral(PHILOMENE, day(-1)) }), call('GET', `/parcours/${dossierIds[0]}`, { token: 'coord' })]);
    expect([res.status, read.status]).toEqual([504, 504]);
    expect(processes.api!.output()).toContain('"request failed"');
  });

  it('stops on SIGTERM and leaves no process behind', async () => {
    // the notification records as the API lists them (Temporal keeps them; no file), before the API stops
    outbox = (await call('GET', '/notifications?pageSize=100', { token: 'coord' })).text;
    const pids = Object.values(processes).flatMap((run) => (run?.child.pid ? [run.child.pid, ...descendants(run.child.pid)] : []));
    expect(pids.length).toBeGreaterThanOrEqual(3);
    await stopAll();
    const started = Date.now();
    while (pids.some(alive) && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 200));
    expect(pids.filter(alive)).toEqual([]);
    for (const [name, run] of Object.entries(processes)) {
      const { code, signal } = await run!.exited;
      expect({ name, clean: code === 0 || signal === 'SIGTERM' }).toEqual({ name, clean: true });
    }
    outputs = Object.fromEntries(Object.entries(processes).map(([name, run]) => [name, run?.output() ?? '']));
    // kept for a look after a failure, with the notifications listed
    for (const [name, text] of Object.entries(outputs)) writeFileSync(join(dataDir, `${name}.log`), text);
    writeFileSync(join(dataDir, 'notifications.json'), outbox);
    mails = smtp.mails.map((m) => [m.subject, ...Object.values(m.headers), m.text].join('\n')).join('\n');
  });

  it('captured real output: a log line for every request, debug lines, the cases, the worker failure, the notification records, the e-mails', () => {
    const apiLines = outputs.api.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const r of sent) {
      const line = apiLines.find((l) => l.msg === 'request' && l.requestId === r.requestId);
      expect({ requestId: r.requestId, status: line?.status }).toEqual({ requestId: r.requestId, status: r.status });
    }
    expect(sent.length).toBeGreaterThan(40);
    for (const s of [400, 401, 403, 404, 409, 413, 415, 422]) expect(sent.some((r) => r.status === s)).toBe(true);
    expect(outputs.api).toContain('"audit":"codec.decode"'); // the codec's audit line: who, when, which payloads (digests), never what
    const workerLines = outputs.worker.split('\n').filter((l) => l.startsWith('{'));
    expect(workerLines.filter((l) => l.includes('"level":"debug"')).length).toBeGreaterThan(10);
    for (const id of dossierIds) expect(outputs.worker).toContain(id); // workflow ids in the SDK's lines
    expect(outputs.worker).toMatch(/"msg":"Activity failed".*"SmtpUnavailable"/);
    expect(outputs.temporal.split('\n').length).toBeGreaterThan(50);
    expect(outputs.temporal).toContain(`parcours-${dossierIds[0]}`);
    expect(outbox).toContain(dossierIds[0]);
    for (const kind of ['REFERRAL_ACK', 'INELIGIBLE_NOTICE', 'ACTION_START_REMINDER', 'SAFEGUARDING_ESCALATION']) expect(outbox).toContain(`"kind":"${kind}"`);
    expect(smtp.mails.length).toBeGreaterThanOrEqual(4);
  });

  it('the scan finds the data where it is: in the decoded payloads, and written escaped, encoded or without accents', () => {
    const inPayloads = new Set(leaks({ decoded }).map((l) => l.secret));
    for (const secret of [ZEPHYRINE.firstName, ZEPHYRINE.lastName, ZEPHYRINE.guardian.firstName, ZEPHYRINE.guardian.phone, ZEPHYRINE.line1, ZEPHYRINE.birthDate]) {
      expect({ secret, found: inPayloads.has(secret) }).toEqual({ secret, found: true });
    }
    const disguised = [
      '{"msg":"x","v":"Z\\u00e9phyrine"}', // a JSON \u escape
      `name=${encodeURIComponent(PHILOMENE.firstName)}`,
      `data=${Buffer.from(`{"lastName":"${BARNABE.lastName}"}`).toString('base64')}`,
      `data: [${[...Buffer.from(`"${ZEPHYRINE.guardian.firstName}"`)].join(', ')}]`,
      'PHILOMENE VAUQUELIN',
      'tel 06 71 93 58 24',
      'né le 29/07/2016',
      'dob=20160729;',
    ];
    expect(leaks({ control: 'time=1795816686201607290 seq=671935824000' })).toEqual([]); // inside longer numbers: no secret
    expect(disguised.map((line) => leaks({ control: line }).length > 0)).toEqual(disguised.map(() => true));
  });

  it('no line of the API, the worker or the Temporal server, no notification record, no e-mail holds a name, address, phone or birth date', () => {
    const found = leaks({ ...outputs, outbox, mails });
    const summary = found.slice(0, 20).map((l) => `${l.source}: "${l.secret}" in ${l.line}`);
    expect(summary).toEqual([]);
  });
});
