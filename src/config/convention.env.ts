import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/** Funding convention settings (DOMAIN.md §2); passed to the workflows as input. */
export class ConventionEnv {
  /** Reminder when both signatures are not in after this many days. */
  @Transform(toInt) @IsInt() @Min(1) @Max(365) PRE_SIGNATURE_REMINDER_DAYS = 15;
  /** Subsidy request due date, as MM-DD of the year N. */
  @Transform(toInt) @IsInt() @Min(1) @Max(12) PRE_REQUEST_DUE_MONTH = 1;
  @Transform(toInt) @IsInt() @Min(1) @Max(31) PRE_REQUEST_DUE_DAY = 31;
  /** Financial report (CRF) due date, as MM-DD of the year N+1. */
  @Transform(toInt) @IsInt() @Min(1) @Max(12) PRE_REPORT_DUE_MONTH = 6;
  @Transform(toInt) @IsInt() @Min(1) @Max(31) PRE_REPORT_DUE_DAY = 30;
  /** Days late after which the next payment is flagged at risk. */
  @Transform(toInt) @IsInt() @Min(1) @Max(365) PRE_REPORT_AT_RISK_DAYS = 60;
}
