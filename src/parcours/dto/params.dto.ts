import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { MaxChars } from '../../common/text';
import { PageSizeQuery } from '../../common/page-query';
import { CLOSURE_REASONS, PARCOURS_STAGES, QPV_CODES, type ClosureReason, type ParcoursStage, type QpvCode } from '../../../workflows/parcours/parcours.contract';
import { DOSSIER_ID } from '../dossier-id';
import { OptionalOneOf } from './enum';
import { OptionalStaffId } from './text';

/** `{dossierId}` of the parcours paths. */
export class DossierParams {
  @ApiProperty({ example: 'D-7K3M9QX2TB', pattern: DOSSIER_ID.source })
  @IsString()
  @Matches(DOSSIER_ID, { message: 'dossierId must be a case id such as D-7K3M9QX2TB' })
  dossierId!: string;
}

/** `{dossierId}` and `{actionId}`. */
export class ActionParams extends DossierParams {
  @ApiProperty({ example: 'a1', pattern: '^a\\d{1,6}$' })
  @IsString()
  @Matches(/^a\d{1,6}$/, { message: 'actionId must be an action id such as a1' })
  actionId!: string;
}

/** `GET /parcours` filters and pagination. */
export class ListParcoursQuery extends PageSizeQuery {
  @OptionalOneOf(PARCOURS_STAGES, { example: 'ACTIVE' }) stage?: ParcoursStage;
  @OptionalOneOf(QPV_CODES, { example: 'GRESILLES' }) qpv?: QpvCode;
  @OptionalStaffId({ example: 'u-ref-1' }) referentId?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'true: only cases with an overdue deadline' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'overdue must be true or false' })
  overdue?: 'true' | 'false';

  @OptionalOneOf(CLOSURE_REASONS, { example: 'OBJECTIVES_MET' }) closureReason?: ClosureReason;


  @ApiPropertyOptional({ description: 'The nextPageToken of the previous page' })
  @IsOptional()
  @IsString()
  @MaxChars(4096)
  @Matches(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, { message: 'pageToken must be a nextPageToken returned by a previous page' })
  pageToken?: string;
}
