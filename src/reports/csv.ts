/**
 * The indicators as one CSV for a spreadsheet: one row per figure and cell (the total, then each QPV, age band and
 * sex), French headers and labels. Written for French spreadsheets: `;` separator (the comma is the decimal mark
 * there, so `12,5` and `200000,00` stay numbers), UTF-8 with a byte-order mark (without it Excel reads accents as
 * Latin-1), CRLF line ends and RFC 4180 quoting. Amounts are in euros with two decimals; a hidden cell is `<5`; a
 * value that does not exist (a median without any case, a report not submitted yet) is an empty field.
 */
import { QPV_LABELS, ageBandLabel } from '../../workflows/parcours/parcours.labels';
import type { AgeBand } from '../../workflows/parcours/parcours.rules';
import { cellsOf, type CellValue, type Dimension, type FigureUnit, type IndicatorsReport } from './indicators';

export const CSV_BOM = '\uFEFF';
export const CSV_SEPARATOR = ';';
export const CSV_HEADER = ['période', 'code', 'indicateur', 'ventilation', 'modalité', 'valeur', 'unité'];

export const DIMENSION_LABELS: Record<Dimension | 'total', string> = { total: 'ensemble', qpv: 'QPV', ageBand: "tranche d'âge", sex: 'sexe' };
export const UNIT_LABELS: Record<FigureUnit, string> = { children: 'enfants', actions: 'actions', days: 'jours', meetings: 'réunions', cents: 'euros', cells: 'cellules' };
const SEX_LABELS: Record<string, string> = { F: 'filles', M: 'garçons' };

/** The French label of a modality. */
export function modalityLabel(dimension: Dimension | 'total', modality: string | null): string {
  switch (dimension) {
    case 'total':
      return 'ensemble';
    case 'qpv':
      return QPV_LABELS[modality as keyof typeof QPV_LABELS] ?? String(modality);
    case 'ageBand':
      return ageBandLabel(modality as AgeBand);
    case 'sex':
      return SEX_LABELS[modality ?? ''] ?? String(modality);
  }
}

/** A value as a French spreadsheet reads it. */
export function csvValue(value: CellValue, unit: FigureUnit): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (unit === 'cents') return (value / 100).toFixed(2).replace('.', ',');
  return Number.isInteger(value) ? String(value) : String(value).replace('.', ',');
}

function field(s: string): string {
  return /[";\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The report as CSV text, BOM first. */
export function indicatorsCsv(report: IndicatorsReport): string {
  const lines = [CSV_HEADER.map(field).join(CSV_SEPARATOR)];
  for (const f of report.figures) {
    for (const c of cellsOf(f)) {
      lines.push(
        [report.periodLabel, f.code, f.label, DIMENSION_LABELS[c.dimension], modalityLabel(c.dimension, c.modality), csvValue(c.value, f.unit), UNIT_LABELS[f.unit]]
          .map(field)
          .join(CSV_SEPARATOR),
      );
    }
  }
  return `${CSV_BOM}${lines.join('\r\n')}\r\n`;
}

/** Parses the CSV this module writes (for tests and checks): header + rows of fields. */
export function parseCsv(text: string): string[][] {
  const body = text.startsWith(CSV_BOM) ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < body.length; i += 1) {
    const ch = body[i];
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') {
        cur += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === CSV_SEPARATOR) {
      row.push(cur);
      cur = '';
    } else if (ch === '\r') continue;
    else if (ch === '\n') {
      row.push(cur);
      rows.push(row);
      row = [];
      cur = '';
    } else cur += ch;
  }
  if (cur !== '' || row.length > 0) {
    row.push(cur);
    rows.push(row);
  }
  return rows;
}
