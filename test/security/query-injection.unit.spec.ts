/**
 * Issue 13 row 2, the builder's side: hostile strings (quotes, backslashes, operators, unicode, 5 kB) go through the
 * one visibility-query builder (src/temporal/visibility-query.ts) and each stays ONE string literal of ONE equality
 * term, whose value reads back exactly as given. The reading is done by a tokenizer of Temporal's list-filter dialect
 * (the SQL tokenizer Temporal's parser uses: single- or double-quoted strings, `\x` escapes, doubled quotes), so a
 * value that ended its string early would show up here as extra tokens. The real server's side is
 * test/security/query-injection.e2e.spec.ts.
 */
import { prng } from '../../bench/lib/inputs';
import { allOf, anyOf, eq, isNull, isQueryable, literal, ne, oneOf, QueryValueError, visibilityQuery, type Term } from '../../src/temporal/visibility-query';

type Token = { kind: 'ident' | 'op' | 'string' | 'number' | 'keyword' | 'paren' | 'comma'; text: string };

/** The escapes of Temporal's SQL tokenizer (sqlparser's decode map); any other escaped character stands for itself. */
const DECODE: Record<string, string> = { '0': '\u0000', b: '\b', n: '\n', r: '\r', t: '\t', Z: '\u001a', "'": "'", '"': '"', '\\': '\\' };
const KEYWORDS = new Set(['AND', 'OR', 'IN', 'IS', 'NOT', 'NULL', 'BETWEEN', 'LIKE', 'ORDER', 'BY', 'TRUE', 'FALSE']);

function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') {
      i++;
    } else if (c === "'" || c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= q.length) throw new Error(`unterminated string in ${q.slice(0, 200)}`);
        const d = q[i]!;
        if (d === '\\') {
          const e = q[i + 1];
          if (e === undefined) throw new Error('dangling escape');
          value += DECODE[e] ?? e;
          i += 2;
        } else if (d === c) {
          if (q[i + 1] === c) {
            value += c; // a doubled quote is one quote
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          value += d;
          i++;
        }
      }
      out.push({ kind: 'string', text: value });
    } else if (c === '(' || c === ')') {
      out.push({ kind: 'paren', text: c });
      i++;
    } else if (c === ',') {
      out.push({ kind: 'comma', text: c });
      i++;
    } else if ('=!<>'.includes(c)) {
      const two = q.slice(i, i + 2);
      const op = ['!=', '<=', '>=', '<>'].includes(two) ? two : c;
      out.push({ kind: 'op', text: op });
      i += op.length;
    } else if (/[0-9-]/.test(c)) {
      const m = /^-?[0-9.]+/.exec(q.slice(i))!;
      out.push({ kind: 'number', text: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_`]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(q.slice(i));
      if (!m) throw new Error(`unexpected ${c}`);
      out.push({ kind: KEYWORDS.has(m[0].toUpperCase()) ? 'keyword' : 'ident', text: m[0] });
      i += m[0].length;
    } else {
      throw new Error(`unexpected character ${JSON.stringify(c)} at ${i}`);
    }
  }
  return out;
}

/** The terms of a query joined by top-level AND. */
function topLevelTerms(tokens: Token[]): Token[][] {
  const terms: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'paren') depth += t.text === '(' ? 1 : -1;
    if (depth === 0 && t.kind === 'keyword' && t.text === 'AND') terms.push([]);
    else terms[terms.length - 1]!.push(t);
  }
  return terms;
}

// ------------------------------------------------------------------------------------------------------------------
// Hostile strings: a fixed corpus and seeded random ones
// ------------------------------------------------------------------------------------------------------------------

const CORPUS = [
  "x' OR PreReferentId != 'zz",
  "o'brien@ccas.fr",
  "'",
  "''",
  "\\'",
  '\\',
  '\\\\',
  "abc\\' OR 1=1 --",
  '" OR "a" = "a',
  "') OR (WorkflowType != '",
  "x' AND ExecutionStatus = 'Running' OR PreStage != '",
  '%',
  '_',
  '*',
  "x'; DROP TABLE executions_visibility; --",
  '/* comment */',
  'a\nb\r\nc\td',
  'é😀 Ω ß',
  '\u202eevil\u202c',
  '\u200b',
  '＇ fullwidth apostrophe ＇',
  '’ typographic ’',
  '`backtick`',
  '',
  ' ',
  'x'.repeat(5000),
  "'".repeat(5000),
  '\\'.repeat(5000),
  "\\'".repeat(2500),
  'é'.repeat(2600),
];

const PIECES = ["'", '"', '\\', ' OR ', ' AND ', '!=', '=', '(', ')', ',', 'PreReferentId', 'WorkflowType', '--', '/*', ';', '\n', '%', '_', 'é', '😀', '\u202e', '＇', '’', '`', 'a', 'Z', '0', ' ', 'IS NULL', 'IN (', '\t', '\u00a0'];

function randomHostile(next: () => number): string {
  const long = next() < 0.05;
  const n = long ? 1000 + Math.floor(next() * 1500) : Math.floor(next() * 24);
  let s = '';
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(next() * PIECES.length)];
  return s;
}

const next = prng(0x13); // the same strings on every run
const RANDOM = Array.from({ length: 1000 }, () => randomHostile(next));

describe('the visibility-query builder under hostile values (issue 13 row 2)', () => {
  it.each(CORPUS.map((s) => [s.length > 60 ? `${JSON.stringify(s.slice(0, 30))}… (${s.length} chars)` : JSON.stringify(s), s]))(
    'keeps %s one literal of one equality term, read back exactly',
    (_label, hostile) => {
      const query = visibilityQuery(eq('WorkflowType', 'parcoursWorkflow'), eq('PreReferentId', hostile));
      const terms = topLevelTerms(tokenize(query));
      expect(terms).toEqual([
        [
          { kind: 'ident', text: 'WorkflowType' },
          { kind: 'op', text: '=' },
          { kind: 'string', text: 'parcoursWorkflow' },
        ],
        [
          { kind: 'ident', text: 'PreReferentId' },
          { kind: 'op', text: '=' },
          { kind: 'string', text: hostile },
        ],
      ]);
    },
  );

  it('keeps 1 000 random hostile strings (operators, quotes, backslashes, unicode, up to 5 kB) inside their literal', () => {
    for (const hostile of RANDOM) {
      const tokens = tokenize(visibilityQuery(eq('PreReferentId', hostile)));
      expect(tokens).toEqual([
        { kind: 'ident', text: 'PreReferentId' },
        { kind: 'op', text: '=' },
        { kind: 'string', text: hostile },
      ]);
    }
    expect(RANDOM.some((s) => s.length >= 1000 && s.includes("'") && s.includes('\\'))).toBe(true);
  });

  it('keeps hostile values inside their literals in the other terms too: !=, IN, OR groups, AND groups inside them', () => {
    for (const hostile of [...CORPUS, ...RANDOM.slice(0, 200)]) {
      const query = visibilityQuery(
        ne('PreStage', hostile),
        oneOf('PreConventionRef', [hostile, 'CPO-1']),
        anyOf(isNull('PreRetention'), eq('PreRetention', hostile)),
        anyOf(eq('PreOverdue', true), allOf(eq('PreStage', hostile), isNull('PreReferentId'))),
      );
      const terms = topLevelTerms(tokenize(query));
      expect(terms).toHaveLength(4);
      expect(terms[3]!.filter((t) => t.kind === 'string').map((t) => t.text)).toEqual([hostile]);
      expect(terms[3]!.filter((t) => t.kind === 'keyword').map((t) => t.text)).toEqual(['true', 'OR', 'AND', 'IS', 'NULL']);
      expect(terms[0]).toEqual([{ kind: 'ident', text: 'PreStage' }, { kind: 'op', text: '!=' }, { kind: 'string', text: hostile }]);
      expect(terms[1]!.filter((t) => t.kind === 'string').map((t) => t.text)).toEqual([hostile, 'CPO-1']);
      expect(terms[2]!.filter((t) => t.kind === 'string').map((t) => t.text)).toEqual([hostile]);
      expect(terms[2]!.filter((t) => t.kind === 'keyword').map((t) => t.text)).toEqual(['IS', 'NULL', 'OR']);
    }
  });

  it('refuses what no query can hold (a NUL, a lone surrogate), a field name that is not one, and a raw string as a term', () => {
    for (const bad of ['a\u0000b', '\ud800', 'x\udc00y']) {
      expect(() => literal(bad)).toThrow(QueryValueError);
      expect(isQueryable(bad)).toBe(false);
    }
    expect(isQueryable('😀')).toBe(true);
    expect(() => eq("PreStage = 'x' OR WorkflowType", 'y')).toThrow(QueryValueError);
    expect(() => eq('PreStage', Number.NaN)).toThrow(QueryValueError);
    expect(() => visibilityQuery("PreReferentId = 'a' OR 1=1" as unknown as Term)).toThrow(QueryValueError);
  });

  it('writes numbers, booleans and dates as their literals', () => {
    expect(literal(2025)).toBe('2025');
    expect(literal(true)).toBe('true');
    expect(literal(new Date('2025-01-31T00:00:00Z'))).toBe("'2025-01-31T00:00:00.000Z'");
  });
});
