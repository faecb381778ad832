/** The worker's workflowsPath: workflow functions only. */
export {};
export { parcoursWorkflow } from './parcours.workflow';
export { dailyDigestWorkflow, epsAgendaWorkflow, fundingKickoffWorkflow } from './schedules.workflow';
export { conventionWorkflow } from './convention.workflow';
export { fundingYearWorkflow } from './funding-year.workflow';
export { retentionPurgeWorkflow } from './retention.workflow';
