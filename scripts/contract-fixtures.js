#!/usr/bin/env node
/**
 * Test data for the contract test's example, coverage and fuzzing phases (scripts/contract.sh): a case taken to
 * ACTIVE with one action (its EPS meeting recorded first), and a convention with its seed deliberation, created through the API with the bodies
 * of API.md (test/support/api-examples.ts). Prints `{ dossierId, actionId, ref, year, caseBodies }`; the fuzzer then aims
 * its path parameters at records that exist instead of drawing ids that name nothing (404).
 * The stateful phase needs no record: it follows the document's links from POST /parcours and POST /conventions,
 * and sends `caseBodies` now and then.
 *
 * Usage: CONTRACT_TOKENS='{"coordinator":"…","finance":"…"}' node scripts/contract-fixtures.js http://127.0.0.1:3000
 */
'use strict';

const base = process.argv[2];
const tokens = JSON.parse(process.env.CONTRACT_TOKENS || '{}');

async function call(role, method, path, body, alsoOk = []) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[role]}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok && !alsoOk.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 400)}`);
  return JSON.parse(text);
}

/** A date `days` from today (UTC), YYYY-MM-DD: the case's dates follow today, so that no deadline has passed. */
const day = (days) => new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);

/**
 * The bodies that take a case to ACTIVE with one action (API.md's, with dates from today). The stateful phase
 * sends them too, now and then (test/contract/hooks.py), so that its chains reach the operations of an active case.
 */
function caseBodies(firstName) {
  return {
    referral: {
      referredOn: day(-20),
      child: {
        firstName,
        lastName: 'Fixture',
        birthDate: '2016-03-14',
        sex: 'F',
        address: { line1: '12 rue Jean de Cirey', postcode: '21000', city: 'Dijon' },
        qpv: 'GRESILLES',
        school: { name: 'École élémentaire Les Grésilles', level: 'CE2', priorityEducation: 'REP+' },
      },
      guardians: [{ firstName: 'Samira', lastName: 'Fixture', relationship: 'MOTHER', phone: '+33612345678' }],
      orienteur: { type: 'SCHOOL', organisation: 'École élémentaire Les Grésilles' },
      reasons: ['SCHOOL_RESULTS', 'SOCIAL_ISOLATION'],
    },
    consent: { decision: 'GRANTED', signedOn: day(-15), signedBy: [{ name: 'Samira Fixture', relationship: 'MOTHER' }], dataSharingInformed: true },
    teamReview: { meetingId: `EPS-${day(-10)}`, decision: 'VALIDATED', objectives: [{ label: 'Read fluently by June' }], referentId: 'u-ref-1', durationMonths: 12 },
    action: { type: 'SCHOOL_SUPPORT', provider: 'Association Lire et Faire Lire', startsOn: day(7), endsOn: day(180), frequency: 'WEEKLY' },
  };
}

async function main() {
  const bodies = caseBodies('Contrat');
  const referral = bodies.referral;
  // the EPS meeting the team reviews name (already recorded by an earlier run on the same data: 409)
  const meeting = { meetingDate: day(-10), attendees: [{ staffId: 'u-coord-1', role: 'coordinator' }, { staffId: 'u-ref-1', role: 'referent' }], secrecyCharterRead: true };
  await call('coordinator', 'POST', '/team-meetings', meeting, [409]);
  const { dossierId } = await call('coordinator', 'POST', '/parcours', referral);
  await call('coordinator', 'POST', `/parcours/${dossierId}/consent`, bodies.consent);
  await call('coordinator', 'POST', `/parcours/${dossierId}/team-reviews`, bodies.teamReview);
  const view = await call('coordinator', 'POST', `/parcours/${dossierId}/actions`, bodies.action);
  const actionId = view.actions[view.actions.length - 1].id;

  const ref = 'CPO-CONTRACT-2024-2026';
  await call('finance', 'POST', '/conventions', {
    reference: ref,
    subject: "Programme de réussite éducative — Convention pluriannuelle d'objectifs 2024-2026",
    parties: { state: "Préfet de la Côte-d'Or", beneficiary: 'CCAS de Dijon' },
    years: [2024, 2025, 2026],
    annualAmountCents: 20000000,
  });
  await call('finance', 'POST', `/conventions/${ref}/deliberations`, {
    sessionDate: '2024-07-03',
    convocationDate: '2024-06-28',
    membersInOffice: 17,
    president: 'M. HOAREAU',
    present: ['M. HOAREAU', 'Mme TENENBAUM', 'M. BERTHIER', 'Mme CHOLLET', 'Mme GINDRE', 'Mme VIAN', 'M. FOUILLOT', 'Mme JACQUENET', 'M. AVENA'],
    excused: [],
    votes: { for: 9, against: 0, abstain: 0 },
    decisions: ['APPROVE_CONVENTION', 'AUTHORISE_SIGNATURE', 'AUTHORISE_RECEIPT'],
    receiptYear: 2024,
  });
  process.stdout.write(`${JSON.stringify({ dossierId, actionId, ref, year: 2025, caseBodies: caseBodies('Etape') })}\n`);
}

main().catch((e) => {
  process.stderr.write(`contract fixtures: ${e.message}\n`);
  process.exit(1);
});
