import { Controller, Get, Param } from '@nestjs/common';
import { ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CASELOAD_READERS } from '../auth/access-policy';
import { CurrentCaller, Roles } from '../auth/decorators';
import type { Caller } from '../auth/roles';
import { CaseloadDto, MAX_CASELOAD, ReferentParams } from './caseload.dto';
import { ReferentsService } from './referents.service';

/** Référents (API.md "Parcours"): their caseload. */
@ApiTags('referents')
@Controller('referents')
export class ReferentsController {
  constructor(private readonly referents: ReferentsService) {}

  @Get(':referentId/caseload')
  @Roles(...CASELOAD_READERS)
  @ApiOperation({
    summary: `A référent's open cases by stage, the overdue ones and the next action of each (search attributes only, no names; at most ${MAX_CASELOAD} cases). A référent reads their own caseload only`,
  })
  @ApiOkResponse({ type: CaseloadDto })
  @ApiForbiddenResponse({ description: "A référent asking for another référent's caseload, or another role" })
  caseload(@Param() { referentId }: ReferentParams, @CurrentCaller() caller: Caller) {
    return this.referents.caseload(referentId, caller);
  }
}
