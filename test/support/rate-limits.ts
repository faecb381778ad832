/**
 * Rate limits no functional suite or benchmark reaches (they create many cases through one token from one address).
 * test/security checks the env schema's defaults instead.
 */
export const TEST_RATE_LIMITS: Record<string, string> = {
  PRE_THROTTLE_AUTH_FAILURES_PER_MINUTE: '100000',
  PRE_THROTTLE_WRITES_PER_MINUTE: '100000',
  PRE_THROTTLE_REFERRALS_PER_MINUTE: '100000',
  PRE_THROTTLE_CODEC_PER_MINUTE: '100000',
  PRE_THROTTLE_REPORTS_PER_MINUTE: '100000',
};
