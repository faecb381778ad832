import { IsOptional, IsString, Matches } from 'class-validator';

/** Notification delivery (DOMAIN.md §3). */
export class NotificationsEnv {
  /** SMTP server, e.g. smtp://user:pass@mail.example:587. Unset: notifications only go to the outbox. */
  @IsOptional() @Matches(/^smtps?:\/\/.+/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  /** Sender address of notification e-mails. */
  @IsString()
  SMTP_FROM = 'PRE Dijon <pre-noreply@ccas-dijon.invalid>';

  /** Staff directory: a JSON file mapping staff ids to { email, name, roles }. */
  @IsOptional() @IsString()
  STAFF_DIRECTORY_FILE?: string;

  /** Staff directory inline: `id=email,id=email` (merged over the file). */
  @IsOptional() @Matches(/^([\w.-]+=[^,\s]+)(,[\w.-]+=[^,\s]+)*$/, { message: 'STAFF_DIRECTORY must be id=email pairs separated by commas' })
  STAFF_DIRECTORY?: string;

  /** Staff id of the PRE coordinator, who receives escalations. */
  @IsString()
  PRE_COORDINATOR_ID = 'u-coord-1';
}
