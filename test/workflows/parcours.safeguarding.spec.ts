/**
 * The département's report date of a safeguarding concern (DOMAIN.md "Life events"): recorded on the concern already
 * recorded, without a second concern nor a second URGENT escalation.
 */
import { getTimelineQuery, recordLifeEventUpdate, recordSafeguardingReportUpdate } from '../../workflows/parcours/parcours.contract';
import { addDays } from '../../workflows/shared/calendar';
import { eventually, kindsOf, meta, refusal, REF, settle, stateOf, timeSkippingCases } from './parcours.helpers';

describe('safeguarding report date (time-skipping)', () => {
  const harness = timeSkippingCases();

  it('adds the report date to the concern already recorded: no second concern, no second escalation', async () => {
    await harness.withCase({}, async (c, outbox) => {
      const d0 = c.input.referral.referredOn;
      await c.handle.executeUpdate(recordLifeEventUpdate, { args: [{ ...meta(REF, 'concern-1'), type: 'SAFEGUARDING_CONCERN', occurredOn: d0 }] });
      await eventually(() => expect(kindsOf(outbox, c.dossierId)).toContain(`SAFEGUARDING_ESCALATION@${d0}`));

      // refused: no concern that day (422 UNKNOWN_CONCERN), a report before the concern (422)
      expect(await refusal(c.handle.executeUpdate(recordSafeguardingReportUpdate, { args: [{ ...meta(REF), concernOn: addDays(d0, 1), reportedOn: addDays(d0, 2) }] }))).toEqual({
        type: 'RuleViolation',
        message: `The case has no safeguarding concern of ${addDays(d0, 1)} (concerns: ${d0}).`,
        details: { code: 'UNKNOWN_CONCERN', field: 'concernOn', concernOn: addDays(d0, 1) },
      });
      expect(await refusal(c.handle.executeUpdate(recordSafeguardingReportUpdate, { args: [{ ...meta(REF), concernOn: d0, reportedOn: addDays(d0, -1) }] }))).toMatchObject({
        type: 'RuleViolation',
        details: { field: 'reportedOn' },
      });

      const reported = await c.handle.executeUpdate(recordSafeguardingReportUpdate, { args: [{ ...meta(REF, 'report-1'), concernOn: d0, reportedOn: addDays(d0, 1) }] });
      expect(reported.lifeEvents).toEqual([expect.objectContaining({ type: 'SAFEGUARDING_CONCERN', occurredOn: d0, reportedOn: addDays(d0, 1) })]);
      // the same key again replays; another report of the same concern is a conflict naming the first date
      expect((await c.handle.executeUpdate(recordSafeguardingReportUpdate, { args: [{ ...meta(REF, 'report-1'), concernOn: d0, reportedOn: addDays(d0, 1) }] })).lifeEvents).toHaveLength(1);
      expect(await refusal(c.handle.executeUpdate(recordSafeguardingReportUpdate, { args: [{ ...meta(REF), concernOn: d0, reportedOn: addDays(d0, 2) }] }))).toMatchObject({
        type: 'Conflict',
        message: `The concern of ${d0} was already reported to the département on ${addDays(d0, 1)}.`,
      });

      await settle(c.handle);
      expect(kindsOf(outbox, c.dossierId).filter((k) => k.startsWith('SAFEGUARDING_ESCALATION'))).toHaveLength(1);
      expect((await stateOf(c.handle)).lifeEvents).toHaveLength(1);
      const entries = (await c.handle.query(getTimelineQuery)).filter((e) => e.type === 'LIFE_EVENT_RECORDED');
      expect(entries.map((e) => e.idempotencyKey)).toEqual(['concern-1', 'report-1']);
      expect(entries[1]).toMatchObject({ onDate: addDays(d0, 1), actor: REF });
    });
  });
});
