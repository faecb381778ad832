/** The worker's workflowsPath: workflow functions only. */
export {};
export { parcoursWorkflow } from './parcours/parcours.workflow';
export { dailyDigestWorkflow, epsAgendaWorkflow, fundingKickoffWorkflow } from './schedules/schedules.workflow';
export { conventionWorkflow } from './convention/convention.workflow';
export { fundingYearWorkflow } from './convention/funding-year.workflow';
export { retentionPurgeWorkflow } from './retention/retention.workflow';
export { teamMeetingsWorkflow } from './team-meetings/team-meetings.workflow';
export { childRegistryWorkflow } from './registry/child-registry';
export { notificationWorkflow } from './notifications/notification.workflow';
