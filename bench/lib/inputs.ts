/**
 * Deterministic generated inputs: the same seed (and the same base date) gives the same referrals and the
 * same update bodies, so that two runs measure the same work. Every child is eligible (age 3–15, an eligible
 * QPV) and distinct (the duplicate check keys on names + birth date), and referred a few days before the base
 * date, so that its first timer (the consent reminder) is still ahead: cases stay open and wait on timers.
 */
import { addDays, addMonths } from '../../workflows/shared/calendar';

/** A small fast PRNG (mulberry32): uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST_F = ['Lina', 'Inès', 'Jade', 'Louise', 'Amira', 'Chloé', 'Maëlys', 'Sarah', 'Nour', 'Léa', 'Yasmine', 'Emma'];
const FIRST_M = ['Adam', 'Noah', 'Rayan', 'Lucas', 'Ilyes', 'Hugo', 'Sacha', 'Mohamed', 'Léo', 'Nathan', 'Ibrahim', 'Jules'];
const LAST = ['Benali', 'Martin', 'Diallo', 'Bernard', 'Petit', 'Haddad', 'Moreau', 'Traoré', 'Laurent', 'Garcia', 'Roux', 'Mansouri'];
const STREETS = ['rue Jean de Cirey', 'boulevard des Martyrs de la Résistance', 'avenue du Lac', 'rue de Bourroches', 'allée de Grenoble'];
const SCHOOLS = ['École élémentaire Les Grésilles', 'École Colette', 'Collège Gaston Roupnel', 'École Anjou', 'Collège Rameau'];
const LEVELS = ['PS', 'MS', 'GS', 'CP', 'CE1', 'CE2', 'CM1', 'CM2', '6e', '5e', '4e', '3e'];
const REASONS = ['SCHOOL_RESULTS', 'BEHAVIOUR', 'PHYSICAL_HEALTH', 'MENTAL_HEALTH', 'LANGUAGE', 'PARENTING', 'SOCIAL_ISOLATION', 'ACCESS_TO_RIGHTS', 'LEISURE'];
const ORIENTEURS = ['SCHOOL', 'PMI', 'SOCIAL_SERVICES', 'HEALTH', 'ASSOCIATION', 'FAMILY'];
const ACTIONS = ['SCHOOL_SUPPORT', 'PSYCHOLOGICAL_SUPPORT', 'PARENTING_SUPPORT', 'HEALTH_ACCESS', 'LEISURE', 'SPORT', 'CULTURE', 'LANGUAGE'];
const OBJECTIVES = ['Lire couramment en fin d’année', 'Retrouver le goût de l’école', 'Accéder à un suivi orthophonique', 'Participer à une activité collective', 'Soutenir la parentalité'];

/** Letters only (a name may not hold digits): 0 → "Ab", 1 → "Ac", … unique per index. */
function letters(n: number): string {
  let s = '';
  let x = n + 27;
  while (x > 0) {
    s = String.fromCharCode(97 + (x % 26)) + s;
    x = Math.floor(x / 26);
  }
  return s[0].toUpperCase() + s.slice(1);
}

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)];

/** One generated case: its referral and the bodies of the updates that take it to closure. */
export interface GeneratedCase {
  index: number;
  /** The référent who sends the referral (and follows the case). */
  referentId: string;
  referral: Record<string, any>;
  consent: Record<string, any>;
  teamReview: Record<string, any>;
  action: Record<string, any>;
  actionDone: Record<string, any>;
  closure: Record<string, any>;
  /** A stable prefix for this case's Idempotency-Keys. */
  keyPrefix: string;
}

export interface GeneratorOptions {
  seed: number;
  /** The base date (today, UTC, by default): referrals are 2–9 days before it. */
  today: string;
  /** Number of référents the cases are spread over (u-ref-1 … u-ref-n). */
  referents: number;
  /** Distinguishes the children of the series of a run (0–7: API referrals, direct starts, lifecycle, scale…) so they never collide. */
  series: number;
}

/** The `index`-th case of a series (independent of the other indexes: any slice of a run can be regenerated). */
export function generateCase(o: GeneratorOptions, index: number): GeneratedCase {
  const r = prng((Math.imul(o.seed, 2654435761) + Math.imul(index, 40503) + Math.imul(o.series, 97)) >>> 0);
  const sex = r() < 0.5 ? 'F' : 'M';
  const firstName = pick(r, sex === 'F' ? FIRST_F : FIRST_M);
  const lastName = `${pick(r, LAST)} ${letters(index * 8 + (o.series % 8))}`;
  const referredOn = addDays(o.today, -(2 + Math.floor(r() * 8)));
  const age = 3 + Math.floor(r() * 13);
  const birthDate = addDays(addMonths(referredOn, -12 * age), -Math.floor(r() * 300));
  const referentId = `u-ref-${1 + Math.floor(r() * o.referents)}`;
  const guardian = { firstName: pick(r, FIRST_F), lastName: lastName, relationship: 'MOTHER', phone: `+3361${String(Math.floor(r() * 1e7)).padStart(7, '0')}` };
  const reasons = [...new Set([pick(r, REASONS), pick(r, REASONS)])];
  const school = pick(r, SCHOOLS);
  const signedOn = addDays(referredOn, 1);
  const meetingDate = addDays(signedOn, 1);
  const startsOn = meetingDate;
  return {
    index,
    referentId,
    keyPrefix: `bench-${o.seed}-${o.series}-${index}`,
    referral: {
      referredOn,
      child: {
        firstName,
        lastName,
        birthDate,
        sex,
        address: { line1: `${1 + Math.floor(r() * 80)} ${pick(r, STREETS)}`, postcode: '21000', city: 'Dijon' },
        qpv: r() < 0.5 ? 'GRESILLES' : 'FONTAINE_D_OUCHE',
        school: { name: school, level: LEVELS[Math.min(LEVELS.length - 1, Math.max(0, age - 3))], priorityEducation: r() < 0.5 ? 'REP+' : 'REP' },
      },
      guardians: [guardian],
      orienteur: { type: pick(r, ORIENTEURS), organisation: school },
      reasons,
      context: 'Orientation générée par le banc de mesure.',
    },
    consent: { decision: 'GRANTED', signedOn, signedBy: [{ name: `${guardian.firstName} ${guardian.lastName}`, relationship: 'MOTHER' }], dataSharingInformed: true },
    // the EPS meeting of that day (recorded first: `meetingRequests`)
    teamReview: { meetingId: `EPS-${meetingDate}`, meetingDate, decision: 'VALIDATED', objectives: [{ label: pick(r, OBJECTIVES) }], referentId, durationMonths: 12 },
    action: { type: pick(r, ACTIONS), provider: 'Association Lire et Faire Lire', startsOn, endsOn: addMonths(startsOn, 6), frequency: 'WEEKLY' },
    actionDone: { status: 'DONE' },
    closure: { reason: 'OBJECTIVES_MET', closedOn: o.today, summary: 'Objectifs atteints (banc de mesure).' },
  };
}

/** Today's date (UTC) as YYYY-MM-DD. */
export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}
