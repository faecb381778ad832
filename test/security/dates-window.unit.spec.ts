/**
 * The date window is a setting (src/config/dates.env.ts): PRE_DATES_EARLIEST, PRE_DATES_MAX_MONTHS_AHEAD and
 * PRE_PLAN_DATES_MAX_MONTHS_AHEAD move the edges the global pipe checks; a bad value stops the process with a
 * message naming the variable. Also: clean text rules at the pipe (what a free text may hold, what a line may not).
 */
import { DEFAULT_DATE_WINDOW, configureDateWindow } from '../../src/common/calendar-date';
import { validationPipe } from '../../src/common/validation';
import { dateWindowFrom } from '../../src/config/dates.env';
import { EnvValidationError, loadEnv } from '../../src/config/env';
import { ConsentDto } from '../../src/parcours/dto/consent.dto';
import { ClosureDto } from '../../src/parcours/dto/lifecycle.dto';
import { ReferralDto } from '../../src/parcours/dto/referral.dto';
import { ActionDto } from '../../src/parcours/dto/action.dto';
import { CLOSURE, CONSENT, REFERRAL, ACTION } from '../support/api-examples';
import { addDays, addMonths, parisDateOf } from '../../workflows/shared/calendar';

type Refusal = { problemBody: { status: number; errors: Array<{ field: string; message: string }> } };
const env = (extra: Record<string, string> = {}) => loadEnv({ NODE_ENV: 'test', PRE_DATA_DIR: '/tmp/pre-dates-window-unit', JWT_SECRET: 'x'.repeat(43), PRE_CHILD_KEY_SECRET: 'y'.repeat(40), ...extra });

async function refusal(pipe: ReturnType<typeof validationPipe>, metatype: new () => object, body: object): Promise<Array<{ field: string; message: string }>> {
  const e = (await pipe.transform(structuredClone(body), { type: 'body', metatype }).then(
    () => undefined,
    (err: Refusal) => err,
  )) as Refusal | undefined;
  if (!e) throw new Error('the body was accepted');
  expect(e.problemBody.status).toBe(400);
  return e.problemBody.errors;
}

describe('the date window from the configuration', () => {
  afterEach(() => configureDateWindow(DEFAULT_DATE_WINDOW));
  const today = parisDateOf(Date.now());

  it('defaults: earliest 2000-01-01, 12 months ahead for business dates, 60 for plans', () => {
    const config = env();
    expect(dateWindowFrom(config)).toEqual({ earliest: '2000-01-01', maxMonthsAhead: 12, planMaxMonthsAhead: 60 });
  });

  it('PRE_DATES_EARLIEST=2020-01-01: a referral of 2019-12-31 is refused naming referredOn, 2020-01-01 passes', async () => {
    const pipe = validationPipe(dateWindowFrom(env({ PRE_DATES_EARLIEST: '2020-01-01' })));
    expect(await refusal(pipe, ReferralDto, { ...REFERRAL, referredOn: '2019-12-31' })).toEqual([
      { field: 'referredOn', message: 'referredOn must not be before 2020-01-01 (PRE_DATES_EARLIEST)' },
    ]);
    await expect(pipe.transform(structuredClone({ ...REFERRAL, referredOn: '2020-01-01' }), { type: 'body', metatype: ReferralDto })).resolves.toBeInstanceOf(ReferralDto);
  });

  it('PRE_DATES_MAX_MONTHS_AHEAD=0: a consent signed tomorrow is refused, today passes', async () => {
    const pipe = validationPipe(dateWindowFrom(env({ PRE_DATES_MAX_MONTHS_AHEAD: '0' })));
    expect(await refusal(pipe, ConsentDto, { ...CONSENT, signedOn: addDays(today, 1) })).toEqual([
      { field: 'signedOn', message: `signedOn must not be after ${today} (PRE_DATES_MAX_MONTHS_AHEAD months from today)` },
    ]);
    await expect(pipe.transform(structuredClone({ ...CONSENT, signedOn: today }), { type: 'body', metatype: ConsentDto })).resolves.toBeInstanceOf(ConsentDto);
  });

  it('PRE_PLAN_DATES_MAX_MONTHS_AHEAD=24: an action may end 24 months ahead, not a day later', async () => {
    const pipe = validationPipe(dateWindowFrom(env({ PRE_PLAN_DATES_MAX_MONTHS_AHEAD: '24' })));
    const last = addMonths(today, 24);
    expect(await refusal(pipe, ActionDto, { ...ACTION, endsOn: addDays(last, 1) })).toEqual([
      { field: 'endsOn', message: `endsOn must not be after ${last} (PRE_PLAN_DATES_MAX_MONTHS_AHEAD months from today)` },
    ]);
    await expect(pipe.transform(structuredClone({ ...ACTION, endsOn: last }), { type: 'body', metatype: ActionDto })).resolves.toBeInstanceOf(ActionDto);
  });

  it.each([
    ['PRE_DATES_EARLIEST', '2000-13-01'],
    ['PRE_DATES_EARLIEST', '1800-01-01'],
    ['PRE_DATES_MAX_MONTHS_AHEAD', '-1'],
    ['PRE_DATES_MAX_MONTHS_AHEAD', '121'],
    ['PRE_PLAN_DATES_MAX_MONTHS_AHEAD', 'many'],
  ])('%s=%s is a configuration error naming the variable', (name, value) => {
    expect(() => env({ [name]: value })).toThrow(EnvValidationError);
    expect(() => env({ [name]: value })).toThrow(new RegExp(`${name} \\("${value}"\\)`));
  });
});

describe('clean text at the pipe', () => {
  const pipe = validationPipe();

  it('a free text keeps its line breaks and tabs; a summary is a free text', async () => {
    const out = (await pipe.transform(structuredClone({ ...CLOSURE, summary: 'Objectifs atteints.\r\n\tRelais au centre social.' }), { type: 'body', metatype: ClosureDto })) as ClosureDto;
    expect(out.summary).toBe('Objectifs atteints.\r\n\tRelais au centre social.');
  });

  it('a line (the service handed over to) refuses a line break; an optional free text (the motive) refuses a NUL', async () => {
    expect(await refusal(pipe, ClosureDto, { ...CLOSURE, handedOverTo: 'Centre\nsocial', motive: 'a\u0000' })).toEqual([
      { field: 'handedOverTo', message: 'handedOverTo must not contain control characters or line breaks' },
      { field: 'motive', message: 'motive must not contain control characters (other than tab and line breaks)' },
    ]);
  });

  it('each name of a board session is checked (a bidi override in one present member)', async () => {
    const { DeliberationDto } = await import('../../src/conventions/dto/deliberation.dto');
    const { SEED_SESSION } = await import('../support/api-examples');
    expect(await refusal(pipe, DeliberationDto, { ...SEED_SESSION, present: [...SEED_SESSION.present.slice(1), 'M. \u202eUAERAOH'] })).toEqual([
      { field: 'present', message: 'each value in present must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069)' },
    ]);
  });
});
