import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : value === true || value === 'true' || value === '1' ? true : value === false || value === 'false' || value === '0' ? false : value;

/** Notification delivery, schedules and task lists (DOMAIN.md §3). */
export class NotificationsEnv {
  /** SMTP server, e.g. smtp://user:pass@mail.example:587. Unset: notifications are recorded only (no e-mail). */
  @IsOptional() @Matches(/^smtps?:\/\/.+/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  /** Sender address of notification e-mails. */
  @IsString()
  SMTP_FROM = 'PRE Dijon <pre-noreply@ccas-dijon.invalid>';

  /**
   * Longest time one SMTP transaction may take (connection, greeting, each socket read). It bounds the window during
   * which a retried `notify` waits for an earlier attempt that may still be sending; keep it under the activity's
   * start-to-close timeout (1 minute).
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(50)
  SMTP_TIMEOUT_SECONDS = 20;

  /** Staff directory: a JSON file mapping staff ids to { email, name, roles }. */
  @IsOptional() @IsString()
  STAFF_DIRECTORY_FILE?: string;

  /** Staff directory inline: `id=email,id=email` (merged over the file). */
  @IsOptional() @Matches(/^([\w.-]+=[^,\s]+)(,[\w.-]+=[^,\s]+)*$/, { message: 'STAFF_DIRECTORY must be id=email pairs separated by commas' })
  STAFF_DIRECTORY?: string;

  /** Staff id of the PRE coordinator, who receives escalations. */
  @IsString()
  PRE_COORDINATOR_ID = 'u-coord-1';

  /**
   * Prefix of the Temporal Schedule ids (`<prefix>daily-digest`, `<prefix>eps-agenda`, `<prefix>funding-kickoff`, `<prefix>retention-purge`).
   * Tests give each file its own so that parallel files never share a schedule.
   */
  @Matches(/^[a-z0-9][a-z0-9-]{0,40}$/, { message: 'PRE_SCHEDULE_ID_PREFIX must be lower-case letters, digits and dashes, e.g. pre-' })
  PRE_SCHEDULE_ID_PREFIX = 'pre-';

  /**
   * Create or update the schedules when the API or a worker starts. Unset: yes, except with NODE_ENV=test, where a
   * test opts in (otherwise every test app would rewrite the same shared schedules).
   */
  @IsOptional() @Transform(toBool) @IsBoolean()
  PRE_SCHEDULES_AT_STARTUP?: boolean;

  /** Time of the daily digest (Europe/Paris), Monday to Friday. */
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'PRE_DIGEST_TIME must be HH:MM (24 h), e.g. 07:30' })
  PRE_DIGEST_TIME = '07:30';

  /** The digest lists the deadlines due within this many days, plus the overdue ones. */
  @Transform(toInt) @IsInt() @Min(1) @Max(60)
  PRE_DIGEST_WINDOW_DAYS = 7;

  /** The EPS agenda goes to the coordinator this many working days (Monday–Friday) before each meeting. */
  @Transform(toInt) @IsInt() @Min(1) @Max(15)
  PRE_EPS_AGENDA_LEAD_DAYS = 3;

  /** Day of January on which the funding-year kick-off reminder goes out. */
  @Transform(toInt) @IsInt() @Min(1) @Max(20)
  PRE_FUNDING_KICKOFF_DAY = 2;
}
