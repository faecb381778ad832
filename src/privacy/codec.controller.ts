import { Body, Controller, Delete, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBody,
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Payload } from '@temporalio/common';
import type { Request, Response } from 'express';
import { Public } from '../auth/decorators';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/env';
import { encryptionCodec } from '../temporal/data-converter';
import { unauthorized } from '../auth/auth.guard';
import { CodecAccessGuard, type CodecCaller } from './codec-access';
import { CodecAudit, namedWorkflow } from './codec-audit';
import { CODEC_SESSION_COOKIE, CodecSessions } from './codec-session';
import { clientAddress } from '../auth/rate-limits';
import { PayloadDecryptionError, type EncryptionCodec } from './encryption-codec';
import { payloadsFromJson, payloadsToJson, type PayloadJson } from './payloads-json';

const PAYLOADS_SCHEMA = {
  type: 'object',
  required: ['payloads'],
  properties: {
    payloads: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          metadata: { type: 'object', additionalProperties: { type: 'string', format: 'byte' }, example: { encoding: 'YmluYXJ5L2VuY3J5cHRlZA==' } },
          data: { type: 'string', format: 'byte' },
        },
      },
    },
  },
};

/**
 * The Temporal Web UI's remote codec (`--ui-codec-endpoint http://<api>/codec`): it posts the payloads of a
 * history in protobuf JSON and shows what comes back. Public for the global guard; CodecAccessGuard decides
 * (a supervisor or coordinator, by bearer token or by the session cookie of POST /codec/session).
 */
@ApiTags('Codec')
@ApiCookieAuth(CODEC_SESSION_COOKIE)
@ApiHeader({ name: 'X-Namespace', required: false, description: 'Sent by the Temporal UI; must be the configured namespace.' })
@ApiTooManyRequestsResponse({ description: 'Too many codec calls for this account, or too many failed authentications from this address (Retry-After).' })
@Controller('codec')
@Public()
@UseGuards(CodecAccessGuard)
export class CodecController {
  private readonly codec: EncryptionCodec;

  constructor(
    private readonly config: AppConfig,
    private readonly sessions: CodecSessions,
    private readonly audit: CodecAudit,
  ) {
    this.codec = encryptionCodec(config);
  }

  @Post('session')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Open a codec session for the Temporal Web UI (supervisor, coordinator; bearer token only)',
    description:
      `Sets the cookie \`${CODEC_SESSION_COOKIE}\` (HttpOnly, SameSite=Strict, Path=/codec, Secure in production) for ` +
      'PRE_CODEC_SESSION_MINUTES, never past the token\'s expiry. The Temporal UI sends it to /codec/decode when its codec ' +
      'setting "Include cross-origin credentials" is on. Open it from the browser that runs the UI (e.g. Swagger UI\'s "Try it out").',
  })
  @ApiNoContentResponse({ description: 'The session cookie is set.' })
  @ApiUnauthorizedResponse({ description: 'No valid bearer token (a session cannot renew itself).' })
  @ApiForbiddenResponse({ description: 'Neither supervisor nor coordinator; or an origin other than the UI.' })
  async openSession(@Req() req: Request & { codecCaller: CodecCaller }, @Res({ passthrough: true }) res: Response): Promise<void> {
    const caller = req.codecCaller;
    if (caller.via !== 'bearer' || caller.tokenExpiresAt === undefined) throw unauthorized('A codec session is opened with a bearer token, not with another session.', 'pre-orchestrator-codec');
    const session = await this.sessions.issue(caller, caller.tokenExpiresAt);
    res.cookie(CODEC_SESSION_COOKIE, session.value, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.sessions.secure,
      path: '/codec',
      expires: session.expiresAt,
    });
    res.setHeader('X-Codec-Session-Expires', session.expiresAt.toISOString());
  }

  @Delete('session')
  @HttpCode(204)
  @ApiOperation({ summary: 'Close the codec session (clears the cookie)' })
  @ApiNoContentResponse({ description: 'The cookie is cleared.' })
  closeSession(@Res({ passthrough: true }) res: Response): void {
    res.clearCookie(CODEC_SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: this.sessions.secure, path: '/codec' });
  }

  @Post('decode')
  @HttpCode(200)
  @ApiOperation({ summary: 'Decrypt payloads for the Temporal Web UI (supervisor, coordinator)' })
  @ApiBody({ schema: PAYLOADS_SCHEMA })
  @ApiOkResponse({ description: 'The same payloads, decrypted (payloads that were not encrypted come back unchanged).', schema: PAYLOADS_SCHEMA })
  @ApiUnauthorizedResponse({ description: 'Neither a valid bearer token nor a valid codec session cookie.' })
  @ApiForbiddenResponse({ description: 'Neither supervisor nor coordinator; or another namespace; or an origin other than the UI.' })
  @ApiHeader({ name: 'X-Workflow-Id', required: false, description: 'The workflow the payloads come from, for the audit trail (the Temporal UI cannot send it).' })
  async decode(@Body() body: unknown, @Req() req: Request & { codecCaller: CodecCaller }): Promise<{ payloads: PayloadJson[] }> {
    const payloads = this.read(body);
    let decoded: Payload[];
    try {
      decoded = await this.codec.decode(payloads);
    } catch (e) {
      if (e instanceof PayloadDecryptionError) throw ProblemException.of(400, 'payload-not-decodable', e.message, { reason: e.reason });
      throw e;
    }
    // the audit trail for the data protection officer: who, which workflow, when; never what
    const caller = req.codecCaller;
    this.audit.record(
      { sub: caller.sub, roles: caller.roles, via: caller.via, namespace: this.config.TEMPORAL_NAMESPACE, ...namedWorkflow(req), clientAddress: clientAddress(req) },
      payloads,
    );
    return payloadsToJson(decoded);
  }

  @Post('encode')
  @HttpCode(200)
  @ApiOperation({ summary: 'Encrypt payloads typed in the Temporal Web UI (supervisor, coordinator)' })
  @ApiBody({ schema: PAYLOADS_SCHEMA })
  @ApiOkResponse({ description: 'The same payloads, encrypted with the active key.', schema: PAYLOADS_SCHEMA })
  @ApiUnauthorizedResponse({ description: 'Neither a valid bearer token nor a valid codec session cookie.' })
  @ApiForbiddenResponse({ description: 'Neither supervisor nor coordinator; or another namespace; or an origin other than the UI.' })
  async encode(@Body() body: unknown): Promise<{ payloads: PayloadJson[] }> {
    return payloadsToJson(await this.codec.encode(this.read(body)));
  }

  private read(body: unknown): Payload[] {
    const parsed = payloadsFromJson(body);
    if ('errors' in parsed) throw ProblemException.of(400, 'validation', 'The body must be { "payloads": [...] } in protobuf JSON.', { errors: parsed.errors });
    return parsed.payloads;
  }
}
