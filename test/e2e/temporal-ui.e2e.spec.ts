/**
 * The Temporal Web UI in a real browser (Debian's Chromium, driven by playwright-core): a case's workflow page
 * shows the child's data when the UI has the codec endpoint (`--ui-codec-endpoint`, as in the embedded
 * default) and the supervisor has opened a codec session (POST /codec/session with their token, then the UI's
 * codec setting "Include cross-origin credentials"), and only ciphertext without it. Screenshots go to
 * test/artifacts/ (git-ignored).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { temporalBinaries, type DevServer } from '../../src/dev/dev-server';
import { devServerOnFreePorts } from '../support/processes';
import { BUNDLE_CONVERTERS, dataConverter } from '../../src/temporal/data-converter';
import { startTestApp, type TestApp } from '../support/app';
import { devServerAddress, quietRuntime, uniqueTaskQueue } from '../support/temporal';
import { createProbeActivities } from './fixtures/privacy-probe.activities';
import { ZOE, ZOE_SECRETS } from './fixtures/privacy-probe.person';
import { privacyProbeWorkflow } from './fixtures/privacy-probe.workflow';
import { ui } from '../../workflows/shared/ui-text';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', 'artifacts');

/** Starts the probe on `address` with the app's data converter; returns the workflow page path and a stop function. */
async function startProbe(t: TestApp, address: string, probeBundle: string, workflowId: string) {
  const taskQueue = uniqueTaskQueue('ui');
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: { code: probeBundle },
    activities: createProbeActivities(),
    dataConverter: dataConverter(t.config),
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, dataConverter: dataConverter(t.config) });
  const handle = await client.workflow.start(privacyProbeWorkflow, { workflowId, taskQueue, args: [ZOE], staticSummary: ui('Parcours (privacy probe) · Grésilles') });
  return {
    path: `/namespaces/default/workflows/${workflowId}/${handle.firstExecutionRunId}/history`,
    async stop() {
      await handle.terminate().catch(() => undefined);
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
    },
  };
}

/** Opens a workflow page and waits until the page text matches `ready` (the input rendered, decoded or not). */
async function openWorkflow(context: BrowserContext, url: string, ready: RegExp): Promise<{ page: Page; text: string }> {
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(
    (source) => new RegExp(source).test((globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText),
    ready.source,
    { timeout: 60_000 },
  );
  await page.getByText('Workflow Execution Started').first().waitFor({ timeout: 30_000 });
  await page.waitForTimeout(1000); // the event rows decode after the input
  return { page, text: await page.innerText('body') };
}

describe('Temporal Web UI (Chromium)', () => {
  jest.setTimeout(180_000);
  let t: TestApp;
  let server: DevServer;
  let context: BrowserContext;
  let userDataDir: string;
  let probeBundle: string;
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (Debian package), as .ci/run does`);
    quietRuntime();
    mkdirSync(ARTIFACTS, { recursive: true });
    // the embedded default's wiring: the UI decrypts through the API's codec, for a supervisor's session cookie
    const started = await devServerOnFreePorts(3, ([port, uiPort, apiPort]) => ({ cli: temporalBinaries().cli, port, uiPort, codecEndpoint: `http://localhost:${apiPort}/codec`, logLevel: 'error', output: 'ignore' }));
    server = started.server;
    const [, uiPort, apiPort] = started.ports;
    t = await startTestApp({
      env: { TEMPORAL_ADDRESS: server.address, TEMPORAL_UI_PORT: String(uiPort), PRE_CODEC_KEYS: `ui-test:${randomBytes(32).toString('base64')}` },
      worker: false,
      port: apiPort,
    });
    probeBundle = (
      await bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/privacy-probe.workflow'), ...BUNDLE_CONVERTERS, logger: new DefaultLogger('WARN') })
    ).code;
    userDataDir = mkdtempSync(join(process.env.PRE_TEST_TMP ?? tmpdir(), 'chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1800 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await context?.close();
    for (const stop of stops) await stop();
    await t?.close();
    await server?.stop();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it("shows ciphertext to a browser without a codec session, the child's data once a supervisor opened one, and ciphertext without the codec", async () => {
    const id = `privacy-ui-${randomBytes(4).toString('hex')}`;
    const withCodec = await startProbe(t, server.address, probeBundle, id);
    stops.push(withCodec.stop);
    const codecUi = new URL(server.uiUrl!).origin;
    const codecEndpoint = `http://localhost:${new URL(await t.app.getUrl()).port}/codec`;
    // the supervisor's codec settings in this UI (Settings › Codec Server): this endpoint, "Include cross-origin credentials"
    await context.addInitScript(
      ({ origin, endpoint }) => {
        const w = globalThis as unknown as { location: { origin: string }; localStorage: { setItem(k: string, v: string): void } };
        if (w.location.origin !== origin) return;
        w.localStorage.setItem('endpoint', JSON.stringify(endpoint));
        w.localStorage.setItem('includeCredentials', 'true');
        w.localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
      },
      { origin: codecUi, endpoint: codecEndpoint },
    );
    const decodes: number[] = [];
    context.on('response', (r) => r.url().includes('/codec/decode') && decodes.push(r.status()));

    // no session yet: the codec answers 401 and the page shows ciphertext only
    const refused = await openWorkflow(context, `${server.uiUrl}${withCodec.path}`, /Input\s+"[A-Za-z0-9+/]{60,}/);
    expect(decodes.length).toBeGreaterThan(0);
    expect(decodes.every((status) => status === 401)).toBe(true);
    for (const secret of ZOE_SECRETS) expect(refused.text).not.toContain(secret);
    await refused.page.close();

    // the supervisor opens a session with their token from this browser, on a page of the API (as Swagger UI's "Try it out" does)
    const token = await t.token('u-sup-1', 'supervisor');
    const docs = await context.newPage();
    await docs.goto(`${new URL(codecEndpoint).origin}/docs`, { waitUntil: 'domcontentloaded' });
    const opened = await docs.evaluate(
      async (bearer) => (await fetch('/codec/session', { method: 'POST', headers: { Authorization: `Bearer ${bearer}` } })).status,
      token,
    );
    expect(opened).toBe(204);
    await docs.close();
    const session = (await context.cookies(codecEndpoint)).filter((c) => c.name === 'pre_codec_session'); // the UI keeps its own _csrf cookie on localhost too
    expect(session.map((c) => ({ httpOnly: c.httpOnly, sameSite: c.sameSite, path: c.path }))).toEqual([{ httpOnly: true, sameSite: 'Strict', path: '/codec' }]);
    decodes.length = 0;
    const decoded = await openWorkflow(context, `${server.uiUrl}${withCodec.path}`, /Input\s+[\s\S]*Testprivacy/);
    await decoded.page.screenshot({ path: join(ARTIFACTS, 'temporal-ui-with-codec.png'), fullPage: true });
    expect(decoded.text).toContain('Testprivacy');
    expect(decoded.text).toContain('2016-03-14');
    expect(decoded.text).toContain('rue des Tilleuls');
    expect(decodes.length).toBeGreaterThan(0);
    expect(decodes.every((status) => status === 200)).toBe(true);

    // the run's shared dev server has a UI without codec endpoint: the same case there shows ciphertext only
    const sharedUi = process.env.PRE_TEST_TEMPORAL_UI!;
    const withoutCodec = await startProbe(t, devServerAddress(), probeBundle, id);
    stops.push(withoutCodec.stop);
    const encrypted = await openWorkflow(context, `${sharedUi}${withoutCodec.path}`, /Input\s+"[A-Za-z0-9+/]{60,}/);
    await encrypted.page.screenshot({ path: join(ARTIFACTS, 'temporal-ui-without-codec.png'), fullPage: true });
    expect(encrypted.text).toMatch(/Input\s+"[A-Za-z0-9+/=\s]{200,}"\s+Result/); // the input is base64 ciphertext
    for (const secret of ZOE_SECRETS) expect(encrypted.text).not.toContain(secret);
    // the summary, written without personal data, reads without the codec
    expect(encrypted.text).toContain('Parcours (privacy probe) · Grésilles');
  });
});
