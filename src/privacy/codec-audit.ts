import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Payload } from '@temporalio/common';
import type { Request } from 'express';
import type { Role } from '../auth/roles';
import { AppConfig } from '../config/env';
import { isEncrypted } from './encryption-codec';
import { traceFields } from '../telemetry/tracing';

/** One decode, as the data protection officer reads it: who, which workflow, when; never what. */
export interface CodecAuditEntry {
  audit: 'codec.decode';
  time: string;
  sub: string;
  roles: Role[];
  /** How the caller authenticated: a bearer token, or the codec session cookie (the Temporal UI). */
  via: 'bearer' | 'session';
  namespace: string;
  /** The workflow the caller named (X-Workflow-Id, ?workflowId=, or a Temporal UI Referer), else null. */
  workflowId: string | null;
  runId: string | null;
  payloads: number;
  encrypted: number;
  /** SHA-256 (first 16 hex digits) of each encrypted payload as stored: finds the workflow in the history without the key. */
  digests: string[];
  clientAddress: string;
}

const ID = /^[A-Za-z0-9._:@-]{1,255}$/;

/** The workflow a decode is for: a header or parameter the caller sends, or the Temporal UI page in the Referer. */
export function namedWorkflow(req: Request): { workflowId: string | null; runId: string | null } {
  const header = req.headers['x-workflow-id'];
  const query = (req.query as Record<string, unknown>).workflowId;
  const given = typeof header === 'string' ? header : typeof query === 'string' ? query : undefined;
  if (given !== undefined) return { workflowId: ID.test(given) ? given : null, runId: null };
  const referer = req.headers.referer;
  if (referer) {
    try {
      const m = /\/namespaces\/[^/]+\/workflows\/([^/]+)(?:\/([^/]+))?/.exec(new URL(referer).pathname);
      if (m) {
        const workflowId = decodeURIComponent(m[1]);
        const runId = m[2] ? decodeURIComponent(m[2]) : null;
        return { workflowId: ID.test(workflowId) ? workflowId : null, runId: runId && ID.test(runId) ? runId : null };
      }
    } catch {
      // not a URL: nothing named
    }
  }
  return { workflowId: null, runId: null };
}

/**
 * The decode audit trail: one JSON line per decode on stdout (`"audit":"codec.decode"`), whatever LOG_LEVEL says,
 * with no payload content. `sink` is where lines go (tests, where it is silent by default, read them there).
 */
@Injectable()
export class CodecAudit {
  sink: (line: string) => void;

  constructor(config: AppConfig) {
    this.sink = config.NODE_ENV === 'test' ? () => undefined : (line) => void process.stdout.write(line);
  }

  record(entry: Omit<CodecAuditEntry, 'audit' | 'time' | 'digests' | 'encrypted' | 'payloads'>, payloads: Payload[]): CodecAuditEntry {
    const encrypted = payloads.filter(isEncrypted);
    const full: CodecAuditEntry = {
      audit: 'codec.decode',
      time: new Date().toISOString(),
      ...entry,
      payloads: payloads.length,
      encrypted: encrypted.length,
      digests: encrypted.map((p) => createHash('sha256').update(p.data ?? new Uint8Array()).digest('hex').slice(0, 16)),
    };
    this.sink(JSON.stringify({ ...full, ...traceFields() }) + '\n');
    return full;
  }
}
