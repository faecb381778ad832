/**
 * The access check of a staff update, in the workflow's validator (issue 17: the API no longer reads the case before
 * an update): the API stamps the caller's access (src/auth/access-policy.ts `changeAccessOf`), the validator compares
 * it with the case's référent before anything else — a replayed Idempotency-Key included — and refuses with
 * NotAssigned (the API's 403), changing nothing.
 */
import { assignReferentUpdate, getTimelineQuery, recordConsentUpdate, recordLifeEventUpdate } from '../../workflows/parcours/parcours.contract';
import type { CaseAccess } from '../../workflows/shared/messages';
import { changeAccessOf } from '../../src/auth/access-policy';
import { COORD, meta, refusal, REF, stateOf, timeSkippingCases } from './parcours.helpers';

const signed = { signedBy: [{ name: 'Samira Benali', relationship: 'MOTHER' as const }], dataSharingInformed: true };
const asReferent = (sub: string): CaseAccess => changeAccessOf({ sub, roles: ['referent'] } as never);
const asCoordinator: CaseAccess = changeAccessOf({ sub: 'u-coord-1', roles: ['coordinator'] } as never);

describe('parcours update access (time-skipping)', () => {
  const harness = timeSkippingCases();

  it("refuses a référent on another référent's case (NotAssigned, nothing changed), before any rule and before a replayed key", async () => {
    await harness.withCase({}, async (c) => {
      const d0 = c.input.referral.referredOn;
      const other = { sub: 'u-ref-2', role: 'referent' };
      const consent = (actor = REF, access?: CaseAccess, key?: string, signedOn = d0) => ({ ...meta(actor, key), ...(access ? { access } : {}), decision: 'GRANTED' as const, signedOn, ...signed });
      // another référent: refused with the API's 403 sentence, whatever the body (even one a rule would refuse)
      const refused = await refusal(c.handle.executeUpdate(recordConsentUpdate, { args: [consent(other, asReferent('u-ref-2'), undefined, '1999-01-01')] }));
      expect(refused).toEqual({
        type: 'NotAssigned',
        message: `Case ${c.dossierId} is followed by another référent: only its référent or a coordinator may access it.`,
        details: { dossierId: c.dossierId },
      });
      // a caller acting in no référent role (referentSub null) is refused too
      expect(await refusal(c.handle.executeUpdate(recordLifeEventUpdate, { args: [{ ...meta(other), access: { everyCase: false, referentSub: null }, type: 'SAFEGUARDING_CONCERN' as const, occurredOn: d0 }] }))).toMatchObject({ type: 'NotAssigned' });
      // its référent passes; a retry of the same key by the other référent gets the refusal, not the remembered answer
      const first = await c.handle.executeUpdate(recordConsentUpdate, { args: [consent(REF, asReferent('u-ref-1'), 'k-consent')] });
      expect(first.stage).not.toBe('AWAITING_CONSENT');
      expect(await refusal(c.handle.executeUpdate(recordConsentUpdate, { args: [consent(other, asReferent('u-ref-2'), 'k-consent')] }))).toMatchObject({ type: 'NotAssigned' });
      expect(await c.handle.executeUpdate(recordConsentUpdate, { args: [consent(REF, asReferent('u-ref-1'), 'k-consent')] })).toEqual(first);
      // a coordinator changes every case; once the case is handed over, the new référent may and the former may not
      await c.handle.executeUpdate(assignReferentUpdate, { args: [{ ...meta(COORD), access: asCoordinator, referentId: 'u-ref-2' }] });
      expect(await refusal(c.handle.executeUpdate(recordLifeEventUpdate, { args: [{ ...meta(REF), access: asReferent('u-ref-1'), type: 'SAFEGUARDING_CONCERN' as const, occurredOn: d0 }] }))).toMatchObject({ type: 'NotAssigned' });
      await c.handle.executeUpdate(recordLifeEventUpdate, { args: [{ ...meta(other), access: asReferent('u-ref-2'), type: 'SAFEGUARDING_CONCERN' as const, occurredOn: d0 }] });
      const timeline = await c.handle.query(getTimelineQuery);
      expect(timeline.filter((e) => e.type === 'CONSENT_RECORDED')).toHaveLength(1);
      expect(timeline.filter((e) => e.type === 'LIFE_EVENT_RECORDED').map((e) => e.actor.sub)).toEqual(['u-ref-2']);
      expect((await stateOf(c.handle)).referentId).toBe('u-ref-2');
    });
  });
});
