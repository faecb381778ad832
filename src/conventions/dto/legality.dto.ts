import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { SIGNATURE_PARTIES, type SignatureParty } from '../../../workflows/convention/convention.contract';
import { IsCalendarDate } from '../../common/calendar-date';
import { IsLine } from '../../common/text';

/** `POST /conventions/{ref}/publication`: the adopted deliberation was published. */
export class PublicationDto {
  @ApiProperty({ example: '2024-07-05', format: 'date' })
  @IsCalendarDate()
  publishedOn!: string;
}

/** `POST /conventions/{ref}/transmission`: the deliberation was transmitted to the préfecture. */
export class TransmissionDto {
  @ApiProperty({ example: '2024-07-05', format: 'date', description: "Opens the préfet's two-month review window" })
  @IsCalendarDate()
  transmittedOn!: string;

  @IsLine(100, { example: '021-262100016-20240705-D2024-41-DE', description: "The préfecture's acknowledgement of receipt" })
  acknowledgementRef!: string;
}


/** `POST /conventions/{ref}/signatures`: one party's signature; the later of the two makes the convention take effect. */
export class SignatureDto {
  @ApiProperty({ enum: SIGNATURE_PARTIES, example: 'BENEFICIARY' })
  @IsIn(SIGNATURE_PARTIES, { message: 'party must be BENEFICIARY or STATE' })
  party!: SignatureParty;

  @IsLine(120, { example: 'M. HOAREAU' })
  signatory!: string;

  @ApiProperty({ example: '2024-07-10', format: 'date' })
  @IsCalendarDate()
  signedOn!: string;

  @ApiPropertyOptional({ example: '2024-07-15', format: 'date', description: 'The date the signed convention was notified (not before signedOn)' })
  @IsOptional()
  @IsCalendarDate()
  notifiedOn?: string;
}
