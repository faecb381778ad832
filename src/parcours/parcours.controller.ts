import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiGoneResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { CurrentCaller, Roles } from '../auth/decorators';
import type { Caller } from '../auth/roles';
import {
  assignReferentUpdate,
  changeActionUpdate,
  closeParcoursUpdate,
  recordConsentUpdate,
  recordDerogationUpdate,
  recordLifeEventUpdate,
  recordReassessmentUpdate,
  recordSafeguardingReportUpdate,
  recordTeamReviewUpdate,
  renewParcoursUpdate,
  resumeParcoursUpdate,
  scheduleActionUpdate,
  suspendParcoursUpdate,
} from '../../workflows/parcours/parcours.contract';
import { ActionDto, ActionPatchDto } from './dto/action.dto';
import { ConsentDto } from './dto/consent.dto';
import { ClosureDto, DerogationDto, LifeEventDto, ReferentAssignmentDto, RenewalDto, ResumptionDto, SafeguardingReportDto, SuspensionDto } from './dto/lifecycle.dto';
import { ActionParams, DossierParams, ListParcoursQuery } from './dto/params.dto';
import { ReassessmentDto } from './dto/reassessment.dto';
import { ReferralDto } from './dto/referral.dto';
import { DataExportDto, RectificationDto } from './dto/rights.dto';
import { TeamReviewDto } from './dto/team-review.dto';
import { ParcoursListDto, ParcoursViewDto, TimelineDto } from './dto/views.dto';
import { ApiIdempotencyKey, IdempotencyKey } from '../common/idempotency-key';
import { ParcoursService } from './parcours.service';
import { TeamMeetingsService } from '../team-meetings/team-meetings.service';
import { ProblemException } from '../common/problem';

const GONE = 'The case was closed and its personal data purged at the end of its retention (24 months after the last contact, DOMAIN.md §5)';

/** Documents the refusals every change of a case may answer. */
function ChangeResponses(): MethodDecorator {
  return (target, key, descriptor) => {
    ApiForbiddenResponse({ description: 'Wrong role, or a référent on a case not assigned to them' })(target, key, descriptor);
    ApiNotFoundResponse({ description: 'Unknown dossier (or unknown objective/action)' })(target, key, descriptor);
    ApiConflictResponse({ description: 'The stage does not accept this change, or the case is closed' })(target, key, descriptor);
    ApiUnprocessableEntityResponse({ description: 'A domain rule refuses it (dates out of order, missing motive, …)' })(target, key, descriptor);
    ApiGoneResponse({ description: GONE })(target, key, descriptor);
    ApiIdempotencyKey()(target, key, descriptor);
  };
}

/**
 * A child's parcours (API.md "Parcours"): every change is a workflow update answered with the case as it now
 * stands; coordinators act on every case, référents on the cases assigned to them, supervisors read.
 */
@ApiTags('parcours')
@Controller('parcours')
export class ParcoursController {
  constructor(
    private readonly parcours: ParcoursService,
    private readonly meetings: TeamMeetingsService,
  ) {}

  @Post()
  @Roles('coordinator', 'referent')
  @HttpCode(201)
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'A referral: starts the case and answers its first state, eligibility included' })
  @ApiCreatedResponse({ type: ParcoursViewDto })
  @ApiConflictResponse({ description: 'An open case already exists for this child (the problem names its dossierId)' })
  @ApiGoneResponse({ description: 'A retry (same Idempotency-Key) of a referral whose case was since closed and purged' })
  refer(@Body() body: ReferralDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.parcours.refer(body, caller, key);
  }

  @Get()
  @Roles('coordinator', 'supervisor', 'referent')
  @ApiOperation({ summary: 'List cases (a référent: their own), from search attributes, newest first' })
  @ApiOkResponse({ type: ParcoursListDto })
  list(@Query() query: ListParcoursQuery, @CurrentCaller() caller: Caller) {
    return this.parcours.list(query, caller);
  }

  @Get(':dossierId')
  @Roles('coordinator', 'supervisor', 'referent')
  @ApiOperation({ summary: 'The case as it stands: stage, child, family, objectives, actions, deadlines, last changes' })
  @ApiOkResponse({ type: ParcoursViewDto })
  @ApiGoneResponse({ description: GONE })
  get(@Param() { dossierId }: DossierParams, @CurrentCaller() caller: Caller) {
    return this.parcours.readable(dossierId, caller);
  }

  @Get(':dossierId/timeline')
  @Roles('coordinator', 'supervisor', 'referent')
  @ApiOperation({ summary: 'Every recorded change with actor and time, oldest first' })
  @ApiOkResponse({ type: TimelineDto })
  @ApiGoneResponse({ description: GONE })
  timeline(@Param() { dossierId }: DossierParams, @CurrentCaller() caller: Caller) {
    return this.parcours.timeline(dossierId, caller);
  }

  @Get(':dossierId/export')
  @Roles('coordinator')
  @ApiOperation({
    summary: "Access (GDPR art. 15): everything the service holds about the child and the family, as JSON, for the family's request; the export is recorded in the timeline",
  })
  @ApiOkResponse({ type: DataExportDto })
  @ApiForbiddenResponse({ description: 'Not a coordinator' })
  @ApiNotFoundResponse({ description: 'Unknown dossier' })
  @ApiGoneResponse({ description: GONE })
  exportCase(@Param() { dossierId }: DossierParams, @CurrentCaller() caller: Caller) {
    return this.parcours.exportCase(dossierId, caller);
  }

  @Post(':dossierId/rectifications')
  @Roles('referent', 'coordinator')
  @HttpCode(200)
  @ChangeResponses()
  @ApiOperation({
    summary:
      "Rectification (GDPR art. 16): only the fields given change (child's names, birth date, sex, address, QPV, school; guardians), with a motive except for the school level alone; a closed case still holding its data is rectified too",
  })
  @ApiOkResponse({ type: ParcoursViewDto })
  rectify(@Param() { dossierId }: DossierParams, @Body() body: RectificationDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.parcours.rectify(dossierId, caller, body, key);
  }

  @Post(':dossierId/consent')
  @Roles('referent', 'coordinator')
  @HttpCode(200)
  @ChangeResponses()
  @ApiOperation({ summary: "The family's written agreement (→ AWAITING_TEAM_REVIEW) or refusal (closes NO_CONSENT)" })
  @ApiOkResponse({ type: ParcoursViewDto })
  consent(@Param() { dossierId }: DossierParams, @Body() body: ConsentDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.parcours.change(dossierId, caller, recordConsentUpdate, body, key);
  }

  @Post(':dossierId/team-reviews')
  @Roles('coordinator')
  @HttpCode(200)
  @ChangeResponses()
  @ApiOperation({ summary: 'The EPS decision at a recorded meeting (meetingId, with the shared-secrecy charter read out): VALIDATED, MORE_INFO, REDIRECTED or REFUSED' })
  @ApiOkResponse({ type: ParcoursViewDto })
  async teamReview(@Param() { dossierId }: DossierParams, @Body() body: TeamReviewDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    // the meeting is a record: unknown, or held without the charter read out, no case is decided at it (422)
    const meeting = await this.meetings.reviewableMeeting(body.meetingId);
    if (body.meetingDate !== undefined && body.meetingDate !== meeting.meetingDate) {
      throw ProblemException.of(422, 'rule-violation', `meetingDate ${body.meetingDate} is not the date of meeting ${meeting.meetingId} (${meeting.meetingDate}).`, { meetingId: meeting.meetingId });
    }
    return this.parcours.change(dossierId, caller, recordTeamReviewUpdate, { ...body, meetingDate: meeting.meetingDate }, key);
  }

  @Post(':dossierId/actions')
  @Roles('referent', 'coordinator')
  @HttpCode(201)
  @ChangeResponses()
  @ApiOperation({ summary: 'Schedule an action (the new action is the last of `actions`)' })
  @ApiCreatedResponse({ type: ParcoursViewDto })
  scheduleAction(@Param() { dossierId }: DossierParams, @Body() body: ActionDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.parcours.change(dossierId, caller, scheduleActionUpdate, body, key);
  }

  @Patch(':dossierId/actions/:actionId')
  @Roles('referent', 'coordinator')
  @HttpCode(200)
  @ChangeResponses()
  @ApiOperation({ summary: 'Change, complete (DONE) or cancel (CANCELLED with a motive) an action' })
  @ApiOkResponse({ type: ParcoursViewDto })
  changeAction(@Param() { dossierId, actionId }: ActionParams, @Body() body: ActionPatchDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.parcours.change(dossierId, caller, changeActionUpdate, { ...body, actionId }, key);
  }

  @Post(':dossierId/reassessments')
  @Roles('referent', 'coordinator')
  @HttpCode(200)
  @ChangeResponses()
  @ApiOperation({ summary: 'A periodic reassessment: progress per objective and a decision' })
  @ApiOkResponse({ type: ParcoursViewDto })
  reassessment(@Param() { dossierId }: DossierParams, @Body() body: ReassessmentDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.parcours.change(dossierId, caller, recordReassessmentUpdate, body, key);
  }

  @Post(':dossierId/renewals')
  @Roles('coordinator')
  @HttpCode(200)
  @ChangeResponses()
  @ApiOperation({ summary: 'EPS renewal by 6 or 12 months (beyond the maximum total: a duration derogation first)' })
  @ApiOkResponse({ type: ParcoursViewDto })
  renewal(@Param() { dossierId }: DossierParams, @Body() body: RenewalDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.parcours.change(dossierId, caller, renewParcoursUpdate, body, key);
  }

  @Post(':dossierId/suspension')
  @Roles('referent', 'coordinator')
  @HttpCode(200)
  @ChangeResponses()
  @ApiOperation({ summary: 'Pause the parcours (reminders pause)' })
  @ApiOkResponse({ type: ParcoursViewDto })
  suspension(@Param() { dossierId }: DossierParams, @Body() body: SuspensionDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.parcours.change(dossierId, caller, suspendParcoursUpdate, body, key);
  }

  @Post(':dossierId/resumption')
  @Roles('referent', 'coordinator')
  @HttpCode(200)
  @ChangeResponses()
  @ApiOperation({ summary: 'Resume a suspended parcours' })
  @ApiOkResponse({ type: ParcoursViewDto })
  resumption(@Param() { dossierId }: DossierParams, @Body() body: ResumptionDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.parcours.change(dossierId, caller, resumeParcoursUpdate, body, key);
  }

  @Post(':dossierId/events')
  @Roles('referent', 'coordinator')
  @HttpCode(200)
  @ChangeResponses()
  @ApiOperation({ summary: 'A life event: CONSENT_WITHDRAWN, MOVED_OUT, FAMILY_UNREACHABLE, CONTACT_RESTORED, SAFEGUARDING_CONCERN' })
  @ApiOkResponse({ type: ParcoursViewDto })
  lifeEvent(@Param() { dossierId }: DossierParams, @Body() body: LifeEventDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.parcours.change(dossierId, caller, recordLifeEventUpdate, body, key);
  }

  @Post(':dossierId/safeguarding-reports')
  @Roles('referent', 'coordinator')
  @HttpCode(200)
  @ChangeResponses()
  @ApiOperation({ summary: "The département's report date of a safeguarding concern already recorded (added to it: no second concern, no second escalation)" })
  @ApiOkResponse({ type: ParcoursViewDto })
  safeguardingReport(@Param() { dossierId }: DossierParams, @Body() body: SafeguardingReportDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.parcours.change(dossierId, caller, recordSafeguardingReportUpdate, body, key);
  }

  @Post(':dossierId/derogations')
  @Roles('coordinator')
  @HttpCode(200)
  @ChangeResponses()
  @ApiOperation({ summary: 'A coordinator override with a written motive (age, duration; eligibility travels with the referral)' })
  @ApiOkResponse({ type: ParcoursViewDto })
  derogation(@Param() { dossierId }: DossierParams, @Body() body: DerogationDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.parcours.change(dossierId, caller, recordDerogationUpdate, body, key);
  }

  @Post(':dossierId/closure')
  @Roles('coordinator')
  @HttpCode(200)
  @ChangeResponses()
  @ApiOperation({ summary: 'Close the case with a reason and a summary (its workflow then completes)' })
  @ApiOkResponse({ type: ParcoursViewDto })
  closure(@Param() { dossierId }: DossierParams, @Body() body: ClosureDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.parcours.change(dossierId, caller, closeParcoursUpdate, body, key);
  }

  @Put(':dossierId/referent')
  @Roles('coordinator')
  @HttpCode(200)
  @ChangeResponses()
  @ApiOperation({ summary: 'Assign or change the référent' })
  @ApiOkResponse({ type: ParcoursViewDto })
  referent(@Param() { dossierId }: DossierParams, @Body() body: ReferentAssignmentDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.parcours.change(dossierId, caller, assignReferentUpdate, body, key);
  }
}
