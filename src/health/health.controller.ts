import { Controller, Get, HttpCode } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/decorators';
import { ProblemException, problem } from '../common/problem';
import { TemporalService } from '../temporal/temporal.service';

@ApiTags('Operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly temporal: TemporalService) {}

  /** The process is up. */
  @Get('live')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The API process is alive.' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Temporal answers and at least one worker polls the task queue. */
  @Get('ready')
  @ApiOkResponse({ description: 'Temporal is reachable and a worker polls the task queue.' })
  @ApiServiceUnavailableResponse({ description: 'Temporal unreachable or no worker polling.' })
  async ready(): Promise<{ status: 'ready'; temporal: 'up'; workers: number; taskQueue: string }> {
    let workers: number;
    try {
      workers = await this.temporal.workflowPollers();
    } catch {
      throw new ProblemException(problem(503, 'temporal-unavailable', 'Temporal does not answer.', { temporal: 'down' }), { 'Retry-After': '5' });
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
