import { createHash } from 'node:crypto';
import { createTransport, type Transporter } from 'nodemailer';
import SMTPTransport from 'nodemailer/lib/smtp-transport';

/** One e-mail, as the notification activity sends it. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** Deterministic per notification key and recipient (see messageIdFor). */
  messageId: string;
  headers?: Record<string, string>;
}

/** What the SMTP server answered. */
export interface MailReceipt {
  messageId: string;
  response: string;
}

/** Sends e-mail; the notification activity depends on this, not on nodemailer. */
export interface Mailer {
  send(message: MailMessage): Promise<MailReceipt>;
  close(): void;
}

/** An SMTP failure, with the server's reply code when there was one. */
export interface SmtpError extends Error {
  responseCode?: number;
  code?: string;
}

/**
 * A permanent refusal: a 5xx reply (unknown mailbox, relay denied, message refused). Retrying the same message to
 * the same address cannot succeed; anything else (connection refused, timeout, 4xx) is transient.
 */
export function isPermanentSmtpError(e: unknown): boolean {
  const code = (e as SmtpError | undefined)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** The domain of the sender address, for Message-IDs. */
export function senderDomain(from: string): string {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from);
  return m ? m[1].toLowerCase() : 'pre-orchestrator.invalid';
}

/**
 * The Message-ID of the e-mail of one notification to one recipient: the same on every attempt, so that when an
 * attempt is repeated after an uncertain end (see notify) the copies carry one Message-ID that the mail server or
 * the mail client can deduplicate. Opaque: a hash, not the key (which names a workflow).
 */
export function messageIdFor(key: string, recipient: string, domain: string): string {
  const h = createHash('sha256').update(`${key}\u0000${recipient}`).digest('hex').slice(0, 32);
  return `<pre.${h}@${domain}>`;
}

/** A nodemailer SMTP transport for SMTP_URL, with bounded timeouts (one transaction ≤ a few × timeoutSeconds). */
export function smtpMailer(opts: { url: string; from: string; timeoutSeconds: number }): Mailer {
  const ms = opts.timeoutSeconds * 1000;
  // The SMTP transport itself merges `url` (host, port, auth, TLS, query options) with the timeouts; createTransport
  // given an object with `url` would read the URL alone and drop the timeouts.
  const transport: Transporter = createTransport(new SMTPTransport({ url: opts.url, connectionTimeout: ms, greetingTimeout: ms, socketTimeout: ms }));
  return {
    async send(message) {
      const info = (await transport.sendMail({
        from: opts.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        messageId: message.messageId,
        headers: message.headers,
      })) as { messageId?: string; response?: string };
      return { messageId: info.messageId ?? message.messageId, response: info.response ?? '' };
    },
    close() {
      transport.close();
    },
  };
}
