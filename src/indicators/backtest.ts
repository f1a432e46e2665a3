/**
 * `boomerang model backtest` and the dashboard's model-health chart: read the calibration and
 * holdout histories (src/db/backtest.ts) and compare the models' forecasts with the holdout
 * (src/domain/indicators/backtest.ts). Read-only: writes nothing, starts nothing.
 */
import { calibrationAndHoldout } from '../db/backtest.js';
import type { Db } from '../db/database.js';
import { backtestModels, type BacktestReport } from '../domain/indicators/backtest.js';
import { MS_PER_DAY } from '../domain/indicators/clv.js';

export interface BacktestRequest {
  /** The last day of calibration (YYYY-MM-DD, UTC): its orders are calibration data. */
  readonly calibrationEnd: string;
  /** Length of the holdout, the forecast horizon, in days. */
  readonly holdoutDays: number;
  /** Refuse a holdout that ends after this instant (its actuals would be incomplete). */
  readonly now?: Date;
}

export interface BacktestResult extends BacktestReport {
  readonly calibrationEnd: string;
  /** The holdout: [holdoutStart, holdoutEnd), instants. */
  readonly holdoutStart: string;
  readonly holdoutEnd: string;
}

/** Bad backtest input (a date, a length): the message names the option. */
export class BacktestInputError extends Error {
  override name = 'BacktestInputError';
}

/** The instant calibration ends at: midnight UTC after `calibrationEnd`, or an input error. */
export function calibrationCut(calibrationEnd: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(calibrationEnd);
  const day = match ? new Date(`${calibrationEnd}T00:00:00Z`) : new Date(NaN);
  if (!match || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== calibrationEnd)
    throw new BacktestInputError(
      `--calibration-end: expected a date as YYYY-MM-DD (got "${calibrationEnd}")`,
    );
  return new Date(day.getTime() + MS_PER_DAY);
}

export async function runBacktest(db: Db, request: BacktestRequest): Promise<BacktestResult> {
  const cut = calibrationCut(request.calibrationEnd);
  const { holdoutDays } = request;
  if (!(Number.isInteger(holdoutDays) && holdoutDays >= 1))
    throw new BacktestInputError(
      `--holdout-days: expected a whole number of days >= 1 (got ${holdoutDays})`,
    );
  const holdoutEnd = new Date(cut.getTime() + holdoutDays * MS_PER_DAY);
  const now = request.now ?? new Date();
  if (holdoutEnd > now)
    throw new BacktestInputError(
      `the holdout (${cut.toISOString().slice(0, 10)} to ${new Date(holdoutEnd.getTime() - MS_PER_DAY).toISOString().slice(0, 10)}) ` +
        `has not ended yet (today is ${now.toISOString().slice(0, 10)}); ` +
        'choose an earlier --calibration-end or fewer --holdout-days',
    );
  const customers = await calibrationAndHoldout(db, cut, holdoutEnd);
  let report: BacktestReport;
  try {
    report = backtestModels(customers, holdoutDays);
  } catch (error) {
    throw new BacktestInputError(
      `cannot backtest with calibration up to ${request.calibrationEnd}: ${(error as Error).message}`,
    );
  }
  return {
    calibrationEnd: request.calibrationEnd,
    holdoutStart: cut.toISOString(),
    holdoutEnd: holdoutEnd.toISOString(),
    ...report,
  };
}
