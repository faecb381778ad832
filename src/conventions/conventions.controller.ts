import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CONVENTION_READERS, CONVENTION_WRITERS } from '../auth/access-policy';
import { CurrentCaller, Roles } from '../auth/decorators';
import type { Caller } from '../auth/roles';
import { ConventionsService } from './conventions.service';
import { YearAuthorisationDto } from './dto/authorisation.dto';
import { CreateConventionDto } from './dto/create-convention.dto';
import { DeliberationDto } from './dto/deliberation.dto';
import { PublicationDto, SignatureDto, TransmissionDto } from './dto/legality.dto';
import { ConventionParams, ListConventionsQuery, YearParams } from './dto/params.dto';
import { ConventionListDto, ConventionViewDto, DeliberationResultDto, FundingYearViewDto, LedgerDto, TimelineEntryDto } from './dto/views.dto';
import { AwardNoticeDto, FinancialReportDto, PaymentDto, RepaymentDto, SettlementDto, SubsidyRequestDto } from './dto/year.dto';
import { LEDGER_CSV_HEADER, ledgerCsv, type Ledger } from './ledger';
import { ApiIdempotencyKey, IdempotencyKey } from '../common/idempotency-key';

/** Conventions and funding years (API.md): finance changes them, finance and supervisors read them. */
@ApiTags('conventions')
@Controller('conventions')
export class ConventionsController {
  constructor(private readonly conventions: ConventionsService) {}

  @Post()
  @Roles(...CONVENTION_WRITERS)
  @HttpCode(201)
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Create a funding convention (starts its workflow)' })
  @ApiCreatedResponse({ type: ConventionViewDto })
  create(@Body() body: CreateConventionDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.conventions.create(body, caller, key);
  }

  @Get()
  @Roles(...CONVENTION_READERS)
  @ApiOperation({ summary: 'List conventions (stage, next deadline, started years) from their search attributes' })
  @ApiOkResponse({ type: ConventionListDto })
  list(@Query() query: ListConventionsQuery) {
    return this.conventions.list(query);
  }

  @Get(':ref')
  @Roles(...CONVENTION_READERS)
  @ApiOperation({ summary: 'A convention as it stands, with each year' })
  @ApiOkResponse({ type: ConventionViewDto })
  get(@Param() { ref }: ConventionParams) {
    return this.conventions.get(ref);
  }

  @Get(':ref/timeline')
  @Roles(...CONVENTION_READERS)
  @ApiOperation({ summary: "The convention's recorded changes with actor and time, oldest first (its years keep their own)" })
  @ApiOkResponse({ type: [TimelineEntryDto] })
  timeline(@Param() { ref }: ConventionParams) {
    return this.conventions.timeline(ref);
  }

  @Post(':ref/deliberations')
  @Roles(...CONVENTION_WRITERS)
  @HttpCode(201)
  @ApiIdempotencyKey()
  @ApiOperation({ summary: "Record a board session; answers the computed quorum and outcome (NO_QUORUM is recorded, not refused)" })
  @ApiCreatedResponse({ type: DeliberationResultDto })
  deliberation(@Param() { ref }: ConventionParams, @Body() body: DeliberationDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.conventions.recordDeliberation(ref, body, caller, key);
  }

  @Post(':ref/publication')
  @Roles(...CONVENTION_WRITERS)
  @HttpCode(200)
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'The adopted deliberation was published' })
  @ApiOkResponse({ type: ConventionViewDto })
  publication(@Param() { ref }: ConventionParams, @Body() body: PublicationDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.conventions.recordPublication(ref, body, caller, key);
  }

  @Post(':ref/transmission')
  @Roles(...CONVENTION_WRITERS)
  @HttpCode(200)
  @ApiIdempotencyKey()
  @ApiOperation({ summary: "The deliberation was transmitted to the préfecture (opens the préfet's two-month window)" })
  @ApiOkResponse({ type: ConventionViewDto })
  transmission(@Param() { ref }: ConventionParams, @Body() body: TransmissionDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.conventions.recordTransmission(ref, body, caller, key);
  }

  @Post(':ref/signatures')
  @Roles(...CONVENTION_WRITERS)
  @HttpCode(200)
  @ApiIdempotencyKey()
  @ApiOperation({ summary: "A party's signature; the later of the two makes the convention take effect" })
  @ApiOkResponse({ type: ConventionViewDto })
  signature(@Param() { ref }: ConventionParams, @Body() body: SignatureDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.conventions.recordSignature(ref, body, caller, key);
  }

  @Get(':ref/ledger')
  @Roles(...CONVENTION_READERS)
  @ApiOperation({
    summary: 'Every amount granted, requested, received, reduced, to repay and repaid, per year, with dates and references',
    description:
      'What an accountant reconciles against the Treasury: per year its entries (oldest first) and totals, and whether what was kept (received − repaid) ' +
      'is what the State owes in the end (`balanced`, to the cent). JSON by default; with `Accept: text/csv`, one CSV (UTF-8 with BOM, `;` separator, ' +
      `decimal comma, amounts in euros) with one row per entry then the totals, header \`${LEDGER_CSV_HEADER.join(';')}\`.`,
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: LedgerDto })
  async ledger(@Param() { ref }: ConventionParams, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<Ledger | string> {
    const ledger = await this.conventions.ledger(ref);
    res.setHeader('Vary', 'Accept');
    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="grand-livre-${ref}.csv"`);
      return ledgerCsv(ledger);
    }
    return ledger;
  }

  @Get(':ref/years/:year')
  @Roles(...CONVENTION_READERS)
  @ApiOperation({ summary: 'One funding year' })
  @ApiOkResponse({ type: FundingYearViewDto })
  year(@Param() { ref, year }: YearParams) {
    return this.conventions.getYear(ref, year);
  }

  @Get(':ref/years/:year/timeline')
  @Roles(...CONVENTION_READERS)
  @ApiOperation({ summary: "The funding year's recorded changes with actor and time, oldest first" })
  @ApiOkResponse({ type: [TimelineEntryDto] })
  yearTimeline(@Param() { ref, year }: YearParams) {
    return this.conventions.yearTimeline(ref, year);
  }

  @Post(':ref/years/:year/authorisation')
  @Roles(...CONVENTION_WRITERS)
  @HttpCode(200)
  @ApiIdempotencyKey()
  @ApiOperation({ summary: "The year's board authorisation (a deliberation body) or award notice" })
  @ApiExtraModels(DeliberationDto, AwardNoticeDto)
  @ApiBody({ schema: { oneOf: [{ $ref: getSchemaPath(DeliberationDto) }, { $ref: getSchemaPath(AwardNoticeDto) }] } })
  @ApiOkResponse({ type: FundingYearViewDto })
  authorisation(@Param() { ref, year }: YearParams, @Body() body: YearAuthorisationDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.conventions.recordAuthorisation(ref, year, body, caller, key);
  }

  @Post(':ref/years/:year/request')
  @Roles(...CONVENTION_WRITERS)
  @HttpCode(200)
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'The subsidy request was sent' })
  @ApiOkResponse({ type: FundingYearViewDto })
  request(@Param() { ref, year }: YearParams, @Body() body: SubsidyRequestDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.conventions.recordRequest(ref, year, body, caller, key);
  }

  @Post(':ref/years/:year/payments')
  @Roles(...CONVENTION_WRITERS)
  @HttpCode(201)
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'A payment received (its reference makes it idempotent; over the remaining amount → 409)' })
  @ApiCreatedResponse({ type: FundingYearViewDto })
  payment(@Param() { ref, year }: YearParams, @Body() body: PaymentDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.conventions.recordPayment(ref, year, body, caller, key);
  }

  @Post(':ref/years/:year/financial-report')
  @Roles(...CONVENTION_WRITERS)
  @HttpCode(200)
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'The financial report (CRF) submitted, then accepted or returned' })
  @ApiOkResponse({ type: FundingYearViewDto })
  financialReport(@Param() { ref, year }: YearParams, @Body() body: FinancialReportDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.conventions.recordFinancialReport(ref, year, body, caller, key);
  }

  @Post(':ref/years/:year/settlement')
  @Roles(...CONVENTION_WRITERS)
  @HttpCode(201)
  @ApiIdempotencyKey()
  @ApiOperation({ summary: "The State's settlement of a year whose CRF is accepted: balance reduced, expenses rejected, or a repayment order (titre de perception)" })
  @ApiCreatedResponse({ type: FundingYearViewDto })
  settlement(@Param() { ref, year }: YearParams, @Body() body: SettlementDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.conventions.recordSettlement(ref, year, body, caller, key);
  }

  @Post(':ref/years/:year/repayment')
  @Roles(...CONVENTION_WRITERS)
  @HttpCode(201)
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Money repaid to the State against its repayment order; the year closes once nothing is left to repay (over what remains → 409)' })
  @ApiCreatedResponse({ type: FundingYearViewDto })
  repayment(@Param() { ref, year }: YearParams, @Body() body: RepaymentDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.conventions.recordRepayment(ref, year, body, caller, key);
  }
}
