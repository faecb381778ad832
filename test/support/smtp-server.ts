/**
 * A real SMTP server for tests (the `smtp-server` package on a free loopback port, no auth, no TLS). It keeps every
 * message it ACCEPTED (answered 250) and can delay or refuse messages to play a slow or failing mail server.
 */
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  /** Envelope recipients. */
  to: string[];
  from: string;
  subject: string;
  messageId: string;
  /** Decoded text body. */
  text: string;
  headers: Record<string, string>;
}

/** What to answer to one message (its index counts every DATA received, accepted or not). */
export interface SmtpBehaviour {
  /** Wait before answering (the client is blocked in its transaction meanwhile). */
  delayMs?: number;
  /** Wait until this settles, or the client goes away, before answering (after `delayMs`). */
  hold?: Promise<unknown>;
  /** Refuse with this reply code (4xx transient, 5xx permanent) instead of accepting. */
  refuseWith?: number;
}

export interface TestSmtpServer {
  url: string;
  port: number;
  /** Accepted messages, in order. */
  mails: ReceivedMail[];
  /** Every DATA received (accepted or not), in order: recipients, subject and Message-ID. */
  received: Array<{ to: string[]; subject: string; messageId: string }>;
  /** Messages whose client hung up before the server answered: not committed, hence not delivered. */
  dropped: ReceivedMail[];
  /** Decides the answer of each message; default: accept at once. */
  behaviour: (mail: ReceivedMail, index: number) => SmtpBehaviour;
  /** Resolves when `n` messages were accepted. */
  waitForMails(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

function unfold(headerBlock: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of headerBlock.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`), as nodemailer writes non-ASCII subjects. */
export function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, text: string) => {
      if (enc.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
      const bytes = text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => `%${h}`);
      return decodeURIComponent(bytes.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
    });
}

function decodeQuotedPrintable(body: string): string {
  const soft = body.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i += 1) {
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function parse(raw: string, session: SMTPServerSession): ReceivedMail {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = unfold(split >= 0 ? raw.slice(0, split) : raw);
  const rawBody = split >= 0 ? raw.slice(split).replace(/^\r?\n\r?\n/, '') : '';
  const cte = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  const text = cte === 'quoted-printable' ? decodeQuotedPrintable(rawBody) : cte === 'base64' ? Buffer.from(rawBody, 'base64').toString('utf8') : rawBody;
  return {
    to: session.envelope.rcptTo.map((a) => a.address),
    from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    subject: decodeWords(headers.subject ?? ''),
    messageId: headers['message-id'] ?? '',
    text: text.replace(/\r\n/g, '\n').trimEnd(),
    headers,
  };
}

/** Starts the server on 127.0.0.1 and a free port. */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const state: TestSmtpServer = {
    url: '',
    port: 0,
    mails: [],
    received: [],
    dropped: [],
    behaviour: () => ({}),
    async waitForMails(n, timeoutMs = 30_000) {
      const started = Date.now();
      while (state.mails.length < n) {
        if (Date.now() - started > timeoutMs) throw new Error(`expected ${n} e-mail(s) within ${timeoutMs} ms, got ${state.mails.length}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return state.mails;
    },
    close: async () => undefined,
  };
  const closed = new Set<string>();
  /** Answers held (`hold`) per session: a client that goes away ends its hold (its message is then dropped). */
  const held = new Map<string, () => void>();
  const server = new SMTPServer({
    authOptional: true,
    onClose(session) {
      closed.add(session.id);
      held.get(session.id)?.();
    },
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mail = parse(Buffer.concat(chunks).toString('utf8'), session);
        const index = state.received.length;
        state.received.push({ to: mail.to, subject: mail.subject, messageId: mail.messageId });
        const b = state.behaviour(mail, index);
        const answer = () => {
          if (b.refuseWith) {
            const err = Object.assign(new Error(b.refuseWith >= 500 ? 'Mailbox unavailable' : 'Try again later'), { responseCode: b.refuseWith });
            callback(err);
            return;
          }
          // the server commits a message when it answers 250; a client already gone never gets that answer
          if (closed.has(session.id)) state.dropped.push(mail);
          else state.mails.push(mail);
          callback();
        };
        setTimeout(() => {
          if (!b.hold) return answer();
          let done = false;
          const once = () => {
            if (done) return;
            done = true;
            held.delete(session.id);
            answer();
          };
          held.set(session.id, once);
          if (closed.has(session.id)) once();
          void b.hold.then(once, once);
        }, b.delayMs ?? 0).unref();
      });
    },
  });
  server.on('error', () => undefined); // a client killed mid-transaction is part of some tests
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.server.removeListener('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  state.port = typeof address === 'object' && address ? address.port : 0;
  state.url = `smtp://127.0.0.1:${state.port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
