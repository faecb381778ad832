/**
 * Every custom search attribute the project uses, in one list. The dev server (npm start), the test
 * server setup, `npm run temporal:search-attributes` (docker-compose's one-shot job, test:cluster) and the
 * start-up checks of the API and the workers (src/temporal/prerequisites.ts) read exactly these. None of them may hold personal data: they are visible in the Temporal UI.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributeUpdatePair } from '@temporalio/common';
import type { IsoDate } from './calendar';

/** Current stage of a parcours (REFERRED … CLOSED). */
export const PRE_STAGE = defineSearchAttributeKey('PreStage', SearchAttributeType.KEYWORD);
/** QPV code of the child's residence (FONTAINE_D_OUCHE, GRESILLES, or OTHER). */
export const PRE_QPV = defineSearchAttributeKey('PreQpv', SearchAttributeType.KEYWORD);
/** Staff id of the référent de parcours. */
export const PRE_REFERENT_ID = defineSearchAttributeKey('PreReferentId', SearchAttributeType.KEYWORD);
/** Next deadline of the case, convention or funding year. */
export const PRE_NEXT_DEADLINE = defineSearchAttributeKey('PreNextDeadline', SearchAttributeType.DATETIME);
/** What the next deadline is (e.g. CONSENT_EXPIRY, FINANCIAL_REPORT). */
export const PRE_NEXT_DEADLINE_KIND = defineSearchAttributeKey('PreNextDeadlineKind', SearchAttributeType.KEYWORD);
/** A deadline has passed without the expected action. */
export const PRE_OVERDUE = defineSearchAttributeKey('PreOverdue', SearchAttributeType.BOOL);
/** Age band on the referral date: 2-5, 6-10, 11-16, 17+. */
export const PRE_AGE_BAND = defineSearchAttributeKey('PreAgeBand', SearchAttributeType.KEYWORD);
/** Reason the case closed, once closed. */
export const PRE_CLOSURE_REASON = defineSearchAttributeKey('PreClosureReason', SearchAttributeType.KEYWORD);
/** Keyed hash (HMAC) of the child's normalised identity: finds a duplicate referral, reveals nothing. */
export const PRE_CHILD_KEY = defineSearchAttributeKey('PreChildKey', SearchAttributeType.KEYWORD);
/** Date the referral was received. */
export const PRE_REFERRED_ON = defineSearchAttributeKey('PreReferredOn', SearchAttributeType.DATETIME);
/** Reference of the funding convention (on the convention and each of its years). */
export const PRE_CONVENTION_REF = defineSearchAttributeKey('PreConventionRef', SearchAttributeType.KEYWORD);
/** Year of a funding-year workflow. */
export const PRE_FUNDING_YEAR = defineSearchAttributeKey('PreFundingYear', SearchAttributeType.INT);
/** Stage of a convention or funding year. */
export const PRE_FUNDING_STAGE = defineSearchAttributeKey('PreFundingStage', SearchAttributeType.KEYWORD);

/**
 * Retention of a closed case (DOMAIN.md §5): HELD (closed, personal data kept until PrePurgeOn), PURGED (the
 * personal data left the case; its earlier runs await deletion by the retention schedule), ERASED (earlier runs
 * deleted: only the anonymised figures remain). Unset while the case is open.
 */
export const PRE_RETENTION = defineSearchAttributeKey('PreRetention', SearchAttributeType.KEYWORD);
/** Day a closed case's personal data are purged: the last contact + the retention period (24 months). */
export const PRE_PURGE_ON = defineSearchAttributeKey('PrePurgeOn', SearchAttributeType.DATETIME);

/**
 * Filters of a notification record (workflows/notifications): `kind:<kind>`, `dossier:<dossierId>`,
 * `convention:<reference>`, `recipient:<staff id>` — one KeywordList, so that the Keyword budget (all 10 used) is
 * untouched; a KeywordList `=` matches any of its values. Codes and ids only, never a name.
 */
export const PRE_NOTIFICATION_TAGS = defineSearchAttributeKey('PreNotificationTags', SearchAttributeType.KEYWORD_LIST);

/** The list every registration reads. */
export const SEARCH_ATTRIBUTES = [
  PRE_STAGE,
  PRE_QPV,
  PRE_REFERENT_ID,
  PRE_NEXT_DEADLINE,
  PRE_NEXT_DEADLINE_KIND,
  PRE_OVERDUE,
  PRE_AGE_BAND,
  PRE_CLOSURE_REASON,
  PRE_CHILD_KEY,
  PRE_REFERRED_ON,
  PRE_CONVENTION_REF,
  PRE_FUNDING_YEAR,
  PRE_FUNDING_STAGE,
  PRE_RETENTION,
  PRE_PURGE_ON,
  PRE_NOTIFICATION_TAGS,
] as const;

/**
 * How many custom search attributes of each type a namespace may have, per visibility store the project supports
 * (Temporal Server 1.32). The SQL stores (PostgreSQL 12+, MySQL 8, and SQLite of the dev server) pre-allocate a
 * fixed number of columns per type (schema/postgresql/v12/visibility/schema.sql: Keyword01…Keyword10, Bool01…03,
 * …): registration past them fails with "cannot have more than N search attribute of type …". Elasticsearch has no
 * per-type cap; every store takes at most 100 keys in one workflow's search attributes
 * (frontend.searchAttributesNumberOfKeysLimit). test/unit/search-attribute-budget.spec.ts checks the list above
 * against each of them.
 */
const SQL_PER_TYPE: Record<SearchAttributeType, number> = {
  [SearchAttributeType.KEYWORD]: 10,
  [SearchAttributeType.TEXT]: 3,
  [SearchAttributeType.INT]: 3,
  [SearchAttributeType.DOUBLE]: 3,
  [SearchAttributeType.BOOL]: 3,
  [SearchAttributeType.DATETIME]: 3,
  [SearchAttributeType.KEYWORD_LIST]: 3,
};
export const VISIBILITY_STORE_LIMITS: Record<'postgres12' | 'mysql8' | 'sqlite' | 'elasticsearch', { perType?: Record<SearchAttributeType, number>; keysPerWorkflow: number }> = {
  postgres12: { perType: SQL_PER_TYPE, keysPerWorkflow: 100 },
  mysql8: { perType: SQL_PER_TYPE, keysPerWorkflow: 100 },
  sqlite: { perType: SQL_PER_TYPE, keysPerWorkflow: 100 },
  elasticsearch: { keysPerWorkflow: 100 },
};

/** The CLI's type names (`temporal server start-dev --search-attribute Name=Type`). */
export const CLI_TYPE_NAMES: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** `Name=Type` pairs, as the CLI and the admin-tools job take them. */
export function searchAttributeCliArgs(): string[] {
  return SEARCH_ATTRIBUTES.map((k) => `${k.name}=${CLI_TYPE_NAMES[k.type]}`);
}

/** Midnight UTC of a business date, the form the Datetime attributes (PreNextDeadline, PreReferredOn, PrePurgeOn) take. */
export function searchAttributeDate(date: IsoDate): Date {
  return new Date(`${date}T00:00:00.000Z`);
}

/** The next deadline and the overdue flag, as every long-lived workflow upserts them (null: no deadline left). */
export function deadlineSearchAttributes(next: { dueOn: IsoDate; kind: string } | null, overdue: boolean): SearchAttributeUpdatePair[] {
  return [
    { key: PRE_NEXT_DEADLINE, value: next ? searchAttributeDate(next.dueOn) : null },
    { key: PRE_NEXT_DEADLINE_KIND, value: next ? next.kind : null },
    { key: PRE_OVERDUE, value: overdue },
  ];
}
