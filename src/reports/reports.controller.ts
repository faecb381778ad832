import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { REPORT_READERS } from '../auth/access-policy';
import { Roles } from '../auth/decorators';
import { CSV_HEADER, indicatorsCsv } from './csv';
import { IndicatorsQuery, IndicatorsReportDto } from './dto/indicators.dto';
import type { IndicatorsReport } from './indicators';
import { ReportsService } from './reports.service';

/** The file name of a report's CSV: `indicateurs-pre-2025-civile.csv`, `indicateurs-pre-2024-2025-scolaire.csv`. */
function csvFileName(r: IndicatorsReport): string {
  return r.period === 'school' ? `indicateurs-pre-${r.year - 1}-${r.year}-scolaire.csv` : `indicateurs-pre-${r.year}-civile.csv`;
}

/** Aggregate reports for the State and the board (API.md "Schedules, reminders, reports"): no child is identifiable. */
@ApiTags('reports')
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('indicators')
  @Roles(...REPORT_READERS)
  @ApiOperation({
    summary: 'The yearly indicators of DOMAIN.md §4, for a civil or a school year, by QPV, age band and sex',
    description:
      'Aggregates only: a cell behind which 1 to 4 children stand shows "<5", and enough other cells are hidden that no hidden cell can be ' +
      'narrowed to fewer than 5 values from this report and the earlier ones (audited by linear programming; the figures secrecy.smallCells and ' +
      'secrecy.protectionCells say how many are hidden); no dossier id appears. year=2025&period=school is the school year 2024-2025 (1 September 2024 → 31 August 2025). ' +
      'JSON by default; with `Accept: text/csv`, one CSV (UTF-8 with BOM, `;` separator, decimal comma, amounts in euros) with one row per figure ' +
      `and cell, header \`${CSV_HEADER.join(';')}\`. A year without data answers zeros.`,
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: IndicatorsReportDto })
  @ApiBadRequestResponse({ description: 'year outside 2020..2100, or period other than civil/school' })
  @ApiForbiddenResponse({ description: 'Only coordinators, finance and supervisors read reports' })
  async indicators(@Query() q: IndicatorsQuery, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<IndicatorsReport | string> {
    const report = await this.reports.indicators(q.year, q.period ?? 'civil');
    res.setHeader('Vary', 'Accept');
    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${csvFileName(report)}"`);
      return indicatorsCsv(report);
    }
    return report;
  }
}
