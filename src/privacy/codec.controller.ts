import { Body, Controller, HttpCode, Logger, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiForbiddenResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Payload } from '@temporalio/common';
import type { Request } from 'express';
import { Public } from '../auth/decorators';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/env';
import { encryptionCodec } from '../temporal/data-converter';
import { CodecAccessGuard, type CodecCaller } from './codec-access';
import { isEncrypted, PayloadDecryptionError, type EncryptionCodec } from './encryption-codec';
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
 * history in protobuf JSON and shows what comes back. Public for the global guard; CodecAccessGuard decides.
 */
@ApiTags('Codec')
@ApiHeader({ name: 'X-Namespace', required: false, description: 'Sent by the Temporal UI; must be the configured namespace.' })
@Controller('codec')
@Public()
@UseGuards(CodecAccessGuard)
export class CodecController {
  private readonly logger = new Logger('Codec');
  private readonly codec: EncryptionCodec;

  constructor(config: AppConfig) {
    this.codec = encryptionCodec(config);
  }

  @Post('decode')
  @HttpCode(200)
  @ApiOperation({ summary: 'Decrypt payloads for the Temporal Web UI (supervisor, coordinator)' })
  @ApiBody({ schema: PAYLOADS_SCHEMA })
  @ApiOkResponse({ description: 'The same payloads, decrypted (payloads that were not encrypted come back unchanged).', schema: PAYLOADS_SCHEMA })
  @ApiUnauthorizedResponse({ description: 'No valid bearer token (and not an allowed local call).' })
  @ApiForbiddenResponse({ description: 'Neither supervisor nor coordinator; or another namespace; or an origin other than the UI.' })
  async decode(@Body() body: unknown, @Req() req: Request & { codecCaller: CodecCaller }): Promise<{ payloads: PayloadJson[] }> {
    const payloads = this.read(body);
    let decoded: Payload[];
    try {
      decoded = await this.codec.decode(payloads);
    } catch (e) {
      if (e instanceof PayloadDecryptionError) throw ProblemException.of(400, 'payload-not-decodable', e.message, { reason: e.reason });
      throw e;
    }
    // an access log for the data protection officer: who read how many payloads, never what
    const encrypted = payloads.filter(isEncrypted).length;
    if (encrypted > 0) this.logger.log(`decoded ${encrypted} encrypted payload(s) for ${req.codecCaller.sub}`);
    return payloadsToJson(decoded);
  }

  @Post('encode')
  @HttpCode(200)
  @ApiOperation({ summary: 'Encrypt payloads typed in the Temporal Web UI (supervisor, coordinator)' })
  @ApiBody({ schema: PAYLOADS_SCHEMA })
  @ApiOkResponse({ description: 'The same payloads, encrypted with the active key.', schema: PAYLOADS_SCHEMA })
  @ApiUnauthorizedResponse({ description: 'No valid bearer token (and not an allowed local call).' })
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
