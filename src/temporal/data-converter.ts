import type { DataConverter } from '@temporalio/common';
import type { AppConfig } from '../config/env';

/**
 * The one data converter of every process (API client, worker, schedules, tests). The privacy work adds
 * the encryption codec here, so that every path gets it at once.
 */
export function dataConverter(_env: AppConfig): DataConverter {
  return {};
}
