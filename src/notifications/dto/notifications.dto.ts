import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { PageQuery } from '../../common/page-query';

/** `GET /notifications` query: filters and page. */
export class ListNotificationsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only notifications addressed to this staff id (a référent may only ask for their own)', example: 'u-ref-1' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, { message: 'recipient must be a staff id' })
  recipient?: string;

  @ApiPropertyOptional({ example: 'CONSENT_REMINDER' })
  @IsOptional()
  @Matches(/^[A-Z][A-Z0-9_]{1,60}$/, { message: 'kind must be a notification kind in upper case, e.g. CONSENT_REMINDER' })
  kind?: string;

  @ApiPropertyOptional({ example: 'D-7K2M9Q' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, { message: 'dossierId must be a dossier id' })
  dossierId?: string;

  @ApiPropertyOptional({ example: 'CPO-PRE-2024-2026' })
  @IsOptional()
  @Matches(/^[A-Z0-9][A-Z0-9-]{0,63}$/, { message: 'conventionRef must be a convention reference' })
  conventionRef?: string;

}

export class NotificationDeliveryDto {
  @ApiProperty({ example: 'u-ref-1' }) recipient!: string;
  @ApiPropertyOptional({ example: 'referent1.pre@ccas-dijon.invalid' }) address?: string;
  @ApiProperty({ enum: ['RECORDED', 'QUEUED', 'SENDING', 'SENT', 'FAILED', 'UNDELIVERABLE'] }) status!: string;
  @ApiPropertyOptional() detail?: string;
  @ApiPropertyOptional({ example: '<pre.3f…@ccas-dijon.invalid>' }) messageId?: string;
  @ApiPropertyOptional() sentAt?: string;
  @ApiPropertyOptional() attempts?: number;
}

export class NotificationDto {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'parcours-D-7K2M9Q:CONSENT_REMINDER:2026-12-05' }) key!: string;
  @ApiProperty({ example: 'CONSENT_REMINDER' }) kind!: string;
  @ApiProperty({ example: '[PRE] Dossier D-7K2M9Q : consentement à recueillir' }) subject!: string;
  @ApiProperty() body!: string;
  @ApiPropertyOptional() dossierId?: string;
  @ApiPropertyOptional() conventionRef?: string;
  @ApiPropertyOptional({ example: '2026-12-05' }) dueOn?: string;
  @ApiPropertyOptional() workflowId?: string;
  @ApiPropertyOptional() scheduleId?: string;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional() updatedAt?: string;
  @ApiProperty({ type: [NotificationDeliveryDto] }) deliveries!: NotificationDeliveryDto[];
}

export class NotificationListDto {
  @ApiProperty({ type: [NotificationDto] }) items!: NotificationDto[];
  @ApiPropertyOptional() nextPageToken?: string;
}
