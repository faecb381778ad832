/**
 * A small JSON HTTP client on keep-alive sockets (one pooled socket per concurrent client), so that the
 * measuring side costs little CPU and no TCP handshake lands in the figures.
 */
import { Agent, request as httpRequest } from 'node:http';

export interface HttpAnswer<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  /** The raw body text. */
  text: string;
}

export interface HttpOptions {
  token?: string;
  body?: unknown;
  /** Raw body (sent as is, with `contentType`). */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Abort after this many ms (an error with code `ETIMEDOUT`). */
  timeoutMs?: number;
}

export class HttpClient {
  readonly agent: Agent;

  constructor(
    readonly baseUrl: string,
    maxSockets = 64,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets, keepAliveMsecs: 1000 });
  }

  request<T = any>(method: string, path: string, opts: HttpOptions = {}): Promise<HttpAnswer<T>> {
    const url = new URL(path, this.baseUrl);
    const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (payload !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const req = httpRequest({ hostname: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          if (/json/.test(String(res.headers['content-type'] ?? '')) && text) {
            try {
              body = JSON.parse(text);
            } catch {
              // leave the text
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body as T, text });
        });
      });
      req.on('error', reject);
      if (opts.timeoutMs) {
        req.setTimeout(opts.timeoutMs, () => req.destroy(Object.assign(new Error(`${method} ${path}: no answer within ${opts.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      }
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  get<T = any>(path: string, opts?: HttpOptions) {
    return this.request<T>('GET', path, opts);
  }

  post<T = any>(path: string, body: unknown, opts: HttpOptions = {}) {
    return this.request<T>('POST', path, { ...opts, body });
  }

  close(): void {
    this.agent.destroy();
  }
}
