import { Controller, Get, HttpCode } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/decorators';
import { ProblemException, problem } from '../common/problem';
import { prerequisitesDetail, type MissingPrerequisite } from '../temporal/prerequisites';
import { PrerequisitesService } from '../temporal/prerequisites.service';
import { TemporalService } from '../temporal/temporal.service';

@ApiTags('Operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly temporal: TemporalService,
    private readonly prerequisites: PrerequisitesService,
  ) {}

  /** The process is up. */
  @Get('live')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The API process is alive.' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Temporal answers, the namespace has what the service needs, and at least one worker polls the task queue. */
  @Get('ready')
  @ApiOkResponse({ description: 'Temporal is reachable, the namespace and its search attributes exist, and a worker polls the task queue.' })
  @ApiServiceUnavailableResponse({
    description:
      'Temporal unreachable (temporal-unavailable), the namespace or search attributes missing (missing-prerequisites: "missing" names each one and the command that adds it), or no worker polling (no-worker).',
  })
  async ready(): Promise<{ status: 'ready'; temporal: 'up'; workers: number; taskQueue: string }> {
    let workers: number;
    let missing: MissingPrerequisite[];
    try {
      missing = await this.prerequisites.missing();
      workers = missing.length ? 0 : await this.temporal.workflowPollers();
    } catch {
      throw new ProblemException(problem(503, 'temporal-unavailable', 'Temporal does not answer.', { temporal: 'down' }), { 'Retry-After': '5' });
    }
    if (missing.length) {
      throw new ProblemException(
        problem(503, 'missing-prerequisites', prerequisitesDetail(missing, this.temporal.namespace), { temporal: 'up', namespace: this.temporal.namespace, missing }),
        { 'Retry-After': '5' },
      );
    }
    if (workers === 0) {
      throw new ProblemException(
        problem(503, 'no-worker', `No worker polls the task queue "${this.temporal.taskQueue}".`, { temporal: 'up', workers: 0 }),
        { 'Retry-After': '5' },
      );
    }
    return { status: 'ready', temporal: 'up', workers, taskQueue: this.temporal.taskQueue };
  }
}
