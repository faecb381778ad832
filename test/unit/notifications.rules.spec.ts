import type { DeadlineItem } from '../../workflows/schedules/schedules.contract';
import { agendaNotification, buildDigestMessages, digestNotification, epsAgendaDay, kickoffDue, kickoffNotification, taskKindOf } from '../../workflows/schedules/schedules.rules';
import { frDay, parisDateOf, parisOffsetHours, workingDaysBefore } from '../../workflows/shared/calendar';
import { requestDueOn } from '../../workflows/convention/convention.rules';

const item = (over: Partial<DeadlineItem>): DeadlineItem => ({
  source: 'parcours',
  workflowId: `parcours-${over.dossierId ?? 'D-X'}`,
  workflowType: 'parcoursWorkflow',
  overdue: false,
  ...over,
});

describe('Paris calendar', () => {
  it('is UTC+1 in winter and UTC+2 from the last Sunday of March to the last Sunday of October', () => {
    expect(parisOffsetHours(Date.parse('2026-01-15T12:00:00Z'))).toBe(1);
    expect(parisOffsetHours(Date.parse('2026-03-29T00:59:59Z'))).toBe(1);
    expect(parisOffsetHours(Date.parse('2026-03-29T01:00:00Z'))).toBe(2);
    expect(parisOffsetHours(Date.parse('2026-10-25T00:59:59Z'))).toBe(2);
    expect(parisOffsetHours(Date.parse('2026-10-25T01:00:00Z'))).toBe(1);
  });

  it('gives the Paris date of an instant (late evening UTC is already tomorrow in Paris)', () => {
    expect(parisDateOf(Date.parse('2026-01-05T06:30:00Z'))).toBe('2026-01-05');
    expect(parisDateOf(Date.parse('2026-01-05T23:30:00Z'))).toBe('2026-01-06');
    expect(parisDateOf(Date.parse('2026-07-05T22:30:00Z'))).toBe('2026-07-06');
    expect(parisDateOf(Date.parse('2026-07-05T21:59:00Z'))).toBe('2026-07-05');
  });

  it('counts working days back over a weekend', () => {
    expect(workingDaysBefore('2026-02-03', 1)).toBe('2026-02-02'); // Tue → Mon
    expect(workingDaysBefore('2026-02-03', 2)).toBe('2026-01-30'); // Tue → Fri
    expect(frDay('2026-02-03')).toBe('mardi 03/02/2026');
  });

  it('sends the agenda of a Tuesday EPS three working days before: the Thursday', () => {
    expect(epsAgendaDay('2026-02-03', 3)).toBe('2026-01-29');
  });

  it('clamps the request due day to the month', () => {
    expect(requestDueOn(2026, 1, 31)).toBe('2026-01-31');
    expect(requestDueOn(2026, 2, 31)).toBe('2026-02-28');
  });
});

describe('what a deadline asks staff to do', () => {
  it('maps parcours deadline kinds and stages to task kinds', () => {
    expect(taskKindOf({ source: 'parcours', kind: 'CONSENT_EXPIRY' })).toBe('COLLECT_CONSENT');
    expect(taskKindOf({ source: 'parcours', kind: 'REASSESSMENT' })).toBe('REASSESSMENT_DUE');
    expect(taskKindOf({ source: 'parcours', kind: 'ACTION_END' })).toBe('ACTION_ENDED');
    expect(taskKindOf({ source: 'parcours', stage: 'AWAITING_TEAM_REVIEW' })).toBe('TEAM_REVIEW');
  });

  it('maps funding deadline kinds by meaning', () => {
    expect(taskKindOf({ source: 'funding', kind: 'FINANCIAL_REPORT' })).toBe('FINANCIAL_REPORT');
    expect(taskKindOf({ source: 'funding', kind: 'SUBSIDY_REQUEST' })).toBe('SUBSIDY_REQUEST');
    expect(taskKindOf({ source: 'funding', kind: 'SIGNATURES' })).toBe('SIGNATURES');
    expect(taskKindOf({ source: 'funding', kind: 'SOMETHING_ELSE' })).toBe('FUNDING_DEADLINE');
  });
});

describe('daily digest', () => {
  const items: DeadlineItem[] = [
    item({ dossierId: 'D-A1', referentId: 'u-ref-1', stage: 'ACTIVE', kind: 'REASSESSMENT', dueOn: '2026-01-08' }),
    item({ dossierId: 'D-A2', referentId: 'u-ref-1', stage: 'ACTIVE', kind: 'ACTION_END', dueOn: '2026-01-02', overdue: true }),
    item({ dossierId: 'D-B1', referentId: 'u-ref-2', stage: 'AWAITING_CONSENT', kind: 'CONSENT_EXPIRY', dueOn: '2026-01-09' }),
    item({ dossierId: 'D-C1', stage: 'AWAITING_TEAM_REVIEW', kind: 'TEAM_REVIEW', dueOn: '2026-01-07' }),
    { source: 'funding', workflowId: 'convention-CPO-1-2025', workflowType: 'fundingYearWorkflow', conventionRef: 'CPO-1', year: 2025, kind: 'FINANCIAL_REPORT', dueOn: '2026-01-06', overdue: false },
  ];

  it('gives each référent their own cases, the coordinator escalations and EPS cases, finance the funding items', () => {
    const messages = buildDigestMessages(items, { coordinatorRecipient: 'role:coordinator', financeRecipient: 'role:finance' });
    expect(messages.map((m) => [m.recipient, m.items.map((i) => i.dossierId ?? i.conventionRef)])).toEqual([
      ['u-ref-1', ['D-A2', 'D-A1']],
      ['u-ref-2', ['D-B1']],
      ['role:coordinator', ['D-A2', 'D-C1']],
      ['role:finance', ['CPO-1']],
    ]);
  });

  it('writes one short French message per recipient, keyed by schedule, run time and recipient, without names', () => {
    const [first] = buildDigestMessages(items, { coordinatorRecipient: 'role:coordinator', financeRecipient: 'role:finance' });
    const req = digestNotification(first, { scheduleId: 'pre-daily-digest', scheduledAt: '2026-01-05T06:30:00.000Z', workflowId: 'w', today: '2026-01-05', windowDays: 7 });
    expect(req).toMatchObject({
      key: 'pre-daily-digest:2026-01-05T06:30:00.000Z:u-ref-1',
      kind: 'DAILY_DIGEST',
      recipients: ['u-ref-1'],
      subject: '[PRE] Échéances de vos dossiers PRE du 05/01/2026 (1 en retard, 1 à venir)',
    });
    expect(req.body).toContain('En retard (1) :\n- Dossier D-A2 : Marquer l\'action réalisée ou la prolonger — échéance le 02/01/2026');
    expect(req.body).toContain('Dans les 7 prochains jours (1) :\n- Dossier D-A1 : Faire la réévaluation du parcours — échéance le 08/01/2026');
  });

  it('sends nothing to someone with nothing due', () => {
    expect(buildDigestMessages([], { coordinatorRecipient: 'role:coordinator', financeRecipient: 'role:finance' })).toEqual([]);
  });
});

describe('EPS agenda and funding kick-off messages', () => {
  it('lists the cases oldest first with QPV, age band and days waiting, keyed by meeting', () => {
    const req = agendaNotification(
      [
        { dossierId: 'D-2', qpv: 'GRESILLES', ageBand: '6-10', referredOn: '2025-12-20', overdue: false },
        { dossierId: 'D-1', qpv: 'FONTAINE_D_OUCHE', ageBand: '11-16', referredOn: '2025-11-10', overdue: true },
      ],
      { scheduleId: 'pre-eps-agenda', workflowId: 'w', meetingDate: '2026-02-03', today: '2026-01-29', coordinatorRecipient: 'role:coordinator' },
    );
    expect(req.key).toBe('pre-eps-agenda:2026-02-03');
    expect(req.subject).toBe("[PRE] Ordre du jour de l'EPS du 03/02/2026 (2 dossiers)");
    expect(req.body).toContain("1. Dossier D-1 — Fontaine d'Ouche — 11-16 ans — 80 j depuis l'orientation — en retard\n2. Dossier D-2 — Grésilles — 6-10 ans — 40 j depuis l'orientation");
  });

  it('reminds a running convention unless it does not cover the year or the request is already recorded', () => {
    const c = { conventionRef: 'CPO-1', workflowId: 'convention-CPO-1' };
    expect(kickoffDue({ ...c, coversYear: null })).toBe(true);
    expect(kickoffDue({ ...c, coversYear: true, yearStage: 'AWAITING_REQUEST' })).toBe(true);
    expect(kickoffDue({ ...c, coversYear: true, yearStage: 'AWAITING_AUTHORISATION' })).toBe(true);
    expect(kickoffDue({ ...c, coversYear: true, yearStage: 'AWAITING_REPORT' })).toBe(false);
    expect(kickoffDue({ ...c, coversYear: false })).toBe(false);
  });

  it('reminds finance of the year request once per year and convention', () => {
    const req = kickoffNotification({ conventionRef: 'CPO-PRE-2024-2026', workflowId: 'convention-CPO-PRE-2024-2026', coversYear: true }, {
      scheduleId: 'pre-funding-kickoff',
      workflowId: 'w',
      year: 2026,
      dueOn: '2026-01-31',
      financeRecipient: 'role:finance',
    });
    expect(req).toMatchObject({
      key: 'pre-funding-kickoff:2026:CPO-PRE-2024-2026',
      kind: 'FUNDING_REQUEST_DUE',
      conventionRef: 'CPO-PRE-2024-2026',
      dueOn: '2026-01-31',
      subject: '[PRE] Convention CPO-PRE-2024-2026 : demande de subvention 2026 avant le 31/01/2026',
    });
  });
});
