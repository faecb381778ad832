import { createHmac, timingSafeEqual } from 'node:crypto';
import { ProblemException } from './problem';

/** The one message of a page token this API did not issue for this list (API.md "Lists"). */
export const BAD_PAGE_TOKEN_MESSAGE = 'pageToken must be the nextPageToken of a previous page of the same list (same filters)';

/**
 * The page token of every list: the list's own position (Temporal's raw token, an offset) and
 * a MAC binding it to the list it belongs to (the query, the filters, the caller). A forged, damaged or other list's
 * token is a 400 naming `pageToken`, before anything is read, rather than an opaque error from the store.
 */
export class PageTokens {
  constructor(private readonly secret: string) {}

  /** The token given to the client for `position` of the list `list`. */
  seal(position: Uint8Array | string, list: string): string {
    const raw = typeof position === 'string' ? Buffer.from(position, 'utf8') : Buffer.from(position);
    return `${raw.toString('base64url')}.${this.mac(raw, list)}`;
  }

  /** The position a token stands for, if it is a token of this list (else a 400 problem). */
  open(token: string, list: string): Buffer {
    const [body, mac, extra] = token.split('.');
    const raw = Buffer.from(body ?? '', 'base64url');
    const expected = this.mac(raw, list);
    if (extra !== undefined || !mac || mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) {
      throw ProblemException.of(400, 'validation', 'The pageToken is not a nextPageToken of this list.', {
        errors: [{ field: 'pageToken', message: BAD_PAGE_TOKEN_MESSAGE }],
      });
    }
    return raw;
  }

  /** `open`, as text (for positions that are text). */
  openText(token: string, list: string): string {
    return this.open(token, list).toString('utf8');
  }

  private mac(raw: Buffer, list: string): string {
    return createHmac('sha256', this.secret).update('page-token\u0000').update(list).update('\u0000').update(raw).digest('base64url').slice(0, 22);
  }
}
