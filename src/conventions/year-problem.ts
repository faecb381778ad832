import type { ConventionView } from '../../workflows/convention/convention.contract';
import { FailureType } from '../../workflows/shared/failures';

/**
 * What the API answers when a year's workflow does not exist: 404 when the year is not one of the convention's,
 * otherwise 409 (the years start when both parties have signed).
 */
export function yearNotStartedProblem(convention: ConventionView, year: number): { status: 404 | 409; type: string; detail: string } {
  if (!convention.years.some((y) => y.year === year)) {
    return { status: 404, type: FailureType.NOT_FOUND, detail: `Convention ${convention.reference} has no funding year ${year}; its years are ${convention.years.map((y) => y.year).join(', ')}.` };
  }
  return {
    status: 409,
    type: FailureType.INVALID_TRANSITION,
    detail: `Convention ${convention.reference} is in stage ${convention.stage}: its funding years start when both parties have signed.`,
  };
}
