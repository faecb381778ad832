/**
 * Keeps the documentation honest: README.md and docs/*.md may only name what the repository has.
 * - every repository path they name (`workflows/parcours/parcours.rules.ts`, `test/unit/x.spec.ts`, `src/config/*.env.ts`,
 *   a folder, a relative link) exists, and a link's `#anchor` is a heading of the page it points to;
 * - every symbol they cite as `file.ts#symbol` (or `#symbol` after a file on the same line) is in that file;
 * - every test they cite as `` `test/….spec.ts` › "name" `` is a test (or describe) of that file with that very name;
 * - every `*.md` they name is in the repository (no page outside it);
 * - every environment variable they name is read by the env schema (src/config/), or, for the tooling that runs
 *   before the service exists (the Temporal binaries), by a script under scripts/, or is set or read by
 *   docker-compose.yml (the settings of the Temporal server and Web UI images of the production layout), or by the
 *   Temporal server's configuration template config/temporal/cluster.yaml (`env "NAME"`).
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { loadEnv } from '../../src/config/env';

const ROOT = resolve(__dirname, '../..');

/** Top-level folders whose paths the documents name. */
const ROOTS = ['src', 'workflows', 'activities', 'test', 'scripts', 'bench', 'config', 'docs', '.ci'];

/**
 * Paths a document may name although the repository does not hold them, each with why. Keep it short: a path here is
 * one the reader cannot open.
 */
const NOT_IN_REPOSITORY: Record<string, string> = {
  'config/staff.json': "the operator's copy of config/staff.example.json (docker-compose.yml mounts it)",
  'docs/openapi.json': 'the generated OpenAPI document, announced in docs/api.md; it lands with the OpenAPI export',
};

/** Prefixes of the service's environment variables (codes such as `NO_CONSENT` are not variables). */
const ENV_NAME = /(?<![\w$#])(?:(?:PRE|TEMPORAL|JWT|SMTP|WORKER|WORKFLOW|LOG|UPDATE|STAFF|NODE)_[A-Z0-9_*]*[A-Z0-9*]|PORT|HOST)(?![\w$])/g;
const PATH = new RegExp(`(?<![\\w./\\-])(?:${ROOTS.map((r) => r.replace('.', '\\.')).join('|')})/[\\w./*\\-]*`, 'g');
const LINK = /\]\(([^)\s]+)\)/g;
/** A file in backquotes, with an optional `#symbol`, or a bare `#symbol`. */
const CODE_REFERENCE = /`([\w./-]+\.\w+)?(?:#([\w$.]+))?`/g;
const TEST_CITATION = /`(test\/[\w./-]+\.ts)`((?:\s*›\s*"[^"\n]+")(?:\s*[;›]\s*"[^"\n]+")*)/g;

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === '.tools' || name === '.data' || name === '.git') continue;
    const full = join(dir, name);
    const rel = relative(ROOT, full);
    out.push(rel);
    if (statSync(full).isDirectory()) walk(full, out);
  }
  return out;
}

let files: string[] | undefined;
/** Every file and folder of the repository's top-level folders, relative to its root. */
function repositoryPaths(): string[] {
  files ??= ROOTS.flatMap((r) => {
    try {
      return [r, ...walk(join(ROOT, r))];
    } catch {
      return [];
    }
  });
  return files;
}

function exists(rel: string): boolean {
  try {
    statSync(join(ROOT, rel));
    return true;
  } catch {
    return false;
  }
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/\/$/, '')
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

/** A path with `*` exists when it matches at least one file or folder. */
function pathExists(rel: string): boolean {
  if (rel in NOT_IN_REPOSITORY) return true;
  if (!rel.includes('*')) return exists(rel);
  const re = globToRegExp(rel);
  return repositoryPaths().some((p) => re.test(p));
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => anchorOf(m[1])));
}

/** What a test file names its tests: the first argument of it/test/describe, unescaped. */
function testNamesOf(source: string): string[] {
  const names: string[] = [];
  for (const m of source.matchAll(/\b(?:it|test|describe)\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g)) names.push(m[2].replace(/\\(.)/g, '$1'));
  return names;
}

let envNames: Set<string> | undefined;
/** The variables the env schema declares (every section of src/config/, optional ones included). */
function schemaVariables(): Set<string> {
  if (!envNames) {
    const config = loadEnv({ NODE_ENV: 'test', PRE_DATA_DIR: mkdtempSync(join(tmpdir(), 'pre-docs-')) }) as unknown as Record<string, unknown>;
    envNames = new Set(Object.keys(config).filter((k) => /^[A-Z][A-Z0-9_]*$/.test(k)));
  }
  return envNames;
}

/** The text of the scripts, for the variables the tooling reads before the service (and its schema) exists. */
function scriptsText(): string {
  return readdirSync(join(ROOT, 'scripts'))
    .filter((f) => /\.(js|ts)$/.test(f))
    .map((f) => readFileSync(join(ROOT, 'scripts', f), 'utf8'))
    .join('\n');
}

let shellNames: Set<string> | undefined;
/** The variables the project's shell scripts read (`${NAME`), e.g. scripts/compose/temporal-schema.sh's. */
function shellVariables(): Set<string> {
  if (!shellNames) {
    const dirs = [join(ROOT, 'scripts'), join(ROOT, 'scripts', 'compose')];
    const text = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.sh')).map((f) => readFileSync(join(d, f), 'utf8'))).join('\n');
    shellNames = new Set([...text.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]));
  }
  return shellNames;
}

let composeNames: Set<string> | undefined;
/** The variables docker-compose.yml sets (`NAME:`) or reads (`${NAME`): the Temporal images' settings and the operator's .env. */
function composeVariables(): Set<string> {
  composeNames ??= new Set([...readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8').matchAll(/(?:^\s+|\$\{)([A-Z][A-Z0-9_]*)(?=:|\})/gm)].map((m) => m[1]));
  return composeNames;
}

let serverConfigNames: Set<string> | undefined;
/** The variables the Temporal server's configuration template reads (`env "NAME"`, config/temporal/cluster.yaml). */
function serverConfigVariables(): Set<string> {
  serverConfigNames ??= new Set([...readFileSync(join(ROOT, 'config', 'temporal', 'cluster.yaml'), 'utf8').matchAll(/\(env "([A-Z][A-Z0-9_]*)"\)/g)].map((m) => m[1]));
  return serverConfigNames;
}

function variableKnown(name: string, scripts: string): boolean {
  const schema = schemaVariables();
  if (name.includes('*')) {
    const re = globToRegExp(name.replace(/\*/g, '**'));
    return [...schema].some((v) => re.test(v));
  }
  return schema.has(name) || composeVariables().has(name) || serverConfigVariables().has(name) || shellVariables().has(name) || new RegExp(`['".]${name}\\b`).test(scripts);
}

/**
 * Everything wrong with one document, as sentences. `doc` is its path from the repository root.
 */
function problemsOf(doc: string, text: string, scripts = scriptsText()): string[] {
  const problems = new Set<string>();
  const lines = text.split('\n');

  lines.forEach((line, i) => {
    const where = `${doc}:${i + 1}`;
    for (const m of line.matchAll(PATH)) {
      const path = m[0].replace(/[.,:;]+$/, '');
      if (!pathExists(path)) problems.add(`${where}: names ${path}, which is not in the repository`);
    }
    // `file.ts#symbol`, and `#symbol` for the last file named before it on the line
    let lastFile: string | undefined;
    for (const m of line.matchAll(CODE_REFERENCE)) {
      const [, file, symbol] = m;
      if (file?.includes('/')) lastFile = file;
      if (!symbol) continue;
      const target = file?.includes('/') ? file : lastFile;
      if (!target) {
        problems.add(`${where}: cites #${symbol} without a file before it on the line`);
        continue;
      }
      if (!exists(target) || statSync(join(ROOT, target)).isDirectory()) continue; // reported as a missing path
      const name = symbol.split('.').pop()!.replace(/\$/g, '\\$');
      if (!new RegExp(`\\b${name}\\b`).test(readFileSync(join(ROOT, target), 'utf8'))) problems.add(`${where}: cites ${target}#${symbol}, which is not in that file`);
    }
    for (const m of line.matchAll(TEST_CITATION)) {
      const [, file, cited] = m;
      if (!exists(file)) continue; // reported above as a missing path
      const names = testNamesOf(readFileSync(join(ROOT, file), 'utf8'));
      for (const [, name] of cited.matchAll(/"([^"\n]+)"/g)) {
        if (!names.includes(name)) problems.add(`${where}: cites the test "${name}", which ${file} does not have`);
      }
    }
    for (const m of line.matchAll(LINK)) {
      const target = m[1];
      if (/^[a-z]+:/i.test(target)) continue;
      const [path, anchor] = target.split('#');
      const file = path ? relative(ROOT, resolve(ROOT, dirname(doc), path)) : doc;
      if (path && !pathExists(file)) {
        problems.add(`${where}: links to ${target}, which is not in the repository`);
        continue;
      }
      if (anchor && file.endsWith('.md') && exists(file)) {
        const content = file === doc ? text : readFileSync(join(ROOT, file), 'utf8');
        if (!anchorsOf(content).has(anchor)) problems.add(`${where}: links to #${anchor}, which is no heading of ${file}`);
      }
    }
    for (const m of line.matchAll(/(?<![\w/.-])([\w-]+\.md)\b/g)) {
      // a bare page name (`DOMAIN.md`) must be a page of the repository's root or of docs/
      const name = m[1];
      if (!exists(name) && !exists(join('docs', name)) && !line.includes(`/${name}`)) problems.add(`${where}: names ${name}, which is not in the repository`);
    }
    for (const m of line.matchAll(ENV_NAME)) {
      if (!variableKnown(m[0], scripts)) problems.add(`${where}: names the variable ${m[0]}, which the env schema (src/config/) does not read`);
    }
  });
  return [...problems];
}

const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe('the documentation names only what the repository has', () => {
  it.each(DOCS)('%s', (doc) => {
    expect(problemsOf(doc, readFileSync(join(ROOT, doc), 'utf8'))).toEqual([]);
  });

  it('every page the README names is in the repository', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const named = [...readme.matchAll(/[\w./-]+\.md\b/g)].map((m) => m[0]);
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((p) => !pathExists(p))).toEqual([]);
    for (const page of ['docs/domain.md', 'docs/api.md', 'docs/architecture.md']) expect(named).toContain(page);
  });

  it('docs/domain.md gives every rule a test, or says it has none under Known gaps', () => {
    const rules: string[] = [];
    let inRuleTable = false;
    for (const line of readFileSync(join(ROOT, 'docs/domain.md'), 'utf8').split('\n')) {
      if (line.startsWith('| rule | figure | code | proved by |')) inRuleTable = true;
      else if (!line.startsWith('|')) inRuleTable = false;
      else if (inRuleTable && !line.startsWith('| ---')) rules.push(line);
    }
    expect(rules.length).toBeGreaterThan(100);
    const proved = (row: string) => new RegExp(TEST_CITATION.source).test(row.slice(row.lastIndexOf(' | ')));
    const admitted = (row: string) => row.endsWith('| none (see [Known gaps](#known-gaps)) |');
    expect(rules.filter((row) => !proved(row) && !admitted(row))).toEqual([]);
  });

  it('fails on a missing file, symbol, test, page, anchor or variable', () => {
    const doc = [
      'See `workflows/parcours/no-such-file.ts` and [the rules](domain.md#no-such-heading).',
      '`workflows/parcours/parcours.rules.ts#noSuchFunction` and `workflows/parcours/parcours.rules.ts#eligibilityOf`.',
      '`test/unit/parcours.rules.spec.ts` › "no such test"; "accepts real dates only"',
      'Read DOMAIN.md, set `PRE_NO_SUCH_SETTING` and `PRE_CONSENT_EXPIRY_DAYS`.',
    ].join('\n');
    expect(problemsOf('docs/example.md', doc)).toEqual([
      'docs/example.md:1: names workflows/parcours/no-such-file.ts, which is not in the repository',
      'docs/example.md:1: links to #no-such-heading, which is no heading of docs/domain.md',
      'docs/example.md:2: cites workflows/parcours/parcours.rules.ts#noSuchFunction, which is not in that file',
      'docs/example.md:3: cites the test "no such test", which test/unit/parcours.rules.spec.ts does not have',
      'docs/example.md:4: names DOMAIN.md, which is not in the repository',
      'docs/example.md:4: names the variable PRE_NO_SUCH_SETTING, which the env schema (src/config/) does not read',
    ]);
  });
});
