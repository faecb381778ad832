import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : value === true || value === 'true' || value === '1' ? true : value === false || value === 'false' || value === '0' ? false : value;

/**
 * Tokens, the codec's session cookie and the rate limits (issue 13). The rate limits are counted in the memory of
 * each API process: several instances share nothing, so behind a load balancer each instance allows its own quota.
 */
export class SecurityEnv {
  /** Longest lifetime accepted for a bearer token (`exp` − `iat`, or `exp` − now without `iat`), in hours. */
  @Transform(toInt) @IsInt() @Min(1) @Max(168)
  JWT_MAX_LIFETIME_HOURS = 12;

  /** Lifetime of the codec session cookie a supervisor or coordinator obtains with POST /codec/session, in minutes. */
  @Transform(toInt) @IsInt() @Min(1) @Max(720)
  PRE_CODEC_SESSION_MINUTES = 30;

  /** `Secure` on the codec session cookie (HTTPS only). Default: on in production, off otherwise (http://localhost). */
  @Transform(toBool) @IsOptional() @IsBoolean()
  PRE_CODEC_COOKIE_SECURE?: boolean;

  /**
   * Which reverse proxies' X-Forwarded-For the API believes for the client address (Express `trust proxy`: `loopback`,
   * `uniquelocal`, an address or CIDR list). Unset: none, the client address is the connection's peer.
   */
  @IsOptional() @IsString() @Matches(/^[\w.:/, -]{1,500}$/, { message: 'PRE_TRUST_PROXY must be loopback, linklocal, uniquelocal or addresses/CIDRs separated by commas' })
  PRE_TRUST_PROXY?: string;

  /** Authentication failures (missing, malformed, refused token) allowed per client address per minute; then 429. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  PRE_THROTTLE_AUTH_FAILURES_PER_MINUTE = 20;

  /** Writes (POST, PUT, PATCH, DELETE) allowed per authenticated `sub` per minute. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  PRE_THROTTLE_WRITES_PER_MINUTE = 60;

  /** Referrals (POST /parcours, each one a durable case) allowed per authenticated `sub` per minute. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  PRE_THROTTLE_REFERRALS_PER_MINUTE = 10;

  /**
   * Codec calls (decode, encode, session) allowed per `sub` per minute. The Temporal UI sends one decode per shown
   * event group, a page of history a few dozen: the default lets a supervisor read a few pages a minute.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  PRE_THROTTLE_CODEC_PER_MINUTE = 120;

  /** Report requests (GET /reports/…, each one a visibility scan) allowed per `sub` per minute. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  PRE_THROTTLE_REPORTS_PER_MINUTE = 10;
}

/** Whether the codec session cookie carries `Secure` (see PRE_CODEC_COOKIE_SECURE). */
export function codecCookieSecure(env: SecurityEnv & { NODE_ENV: string }): boolean {
  return env.PRE_CODEC_COOKIE_SECURE ?? env.NODE_ENV === 'production';
}
