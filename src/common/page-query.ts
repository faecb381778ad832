import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { MaxChars } from './text';

/** `?pageSize=` of every list (API.md: default 50, max 500); each list query extends it. */
export class PageSizeQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'pageSize must be an integer' })
  @Min(1, { message: 'pageSize must be at least 1' })
  @Max(500, { message: 'pageSize must not exceed 500' })
  pageSize?: number;
}

/** Page size and an opaque page token (also accepted as `nextPageToken`), for the lists read from an offset. */
export class PageQuery extends PageSizeQuery {
  @ApiPropertyOptional({ description: 'The nextPageToken of the previous page' })
  @IsOptional()
  @IsString()
  @MaxChars(200)
  pageToken?: string;

  @ApiPropertyOptional({ description: 'Same as pageToken' })
  @IsOptional()
  @IsString()
  @MaxChars(200)
  nextPageToken?: string;
}
