import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentCaller } from './decorators';
import { type Caller } from './roles';

@ApiTags('Auth')
@Controller('me')
export class MeController {
  /** Who the token says the caller is. */
  @Get()
  @ApiOkResponse({ description: 'The caller: `sub` and `roles` from the token.' })
  me(@CurrentCaller() caller: Caller): Caller {
    return { sub: caller.sub, roles: caller.roles };
  }
}
