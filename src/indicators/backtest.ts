/**
 * `boomerang model backtest` and the dashboard's model-health chart: read the calibration and
 * holdout histories (src/db/backtest.ts) and compare the models' forecasts with the holdout
 * (src/domain/indicators/backtest.ts). Read-only: writes nothing, starts nothing.
 */
import { calibrationAndHoldout, dataAsOf } from '../db/backtest.js';
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

export interface ModelHealthRequest {
  /** The last day of calibration; by default the holdout ends where the shop's data does. */
  readonly calibrationEnd?: string;
  readonly holdoutDays: number;
  readonly now?: Date;
}

/**
 * The dashboard's model health: the backtest whose holdout is the `holdoutDays` days up to the
 * shop's data — the last recompute's as-of, so a shop on historical data recomputed as of
 * 1998-06-30 is compared with its own last year, not with the empty year before today — or up to
 * the day of the last paid order; never past yesterday. An explicit calibrationEnd wins.
 */
export async function runModelHealth(db: Db, request: ModelHealthRequest): Promise<BacktestResult> {
  const now = request.now ?? new Date();
  const calibrationEnd =
    request.calibrationEnd ?? defaultCalibrationEnd(await dataAsOf(db), request.holdoutDays, now);
  return runBacktest(db, { calibrationEnd, holdoutDays: request.holdoutDays, now });
}

/** The calibration end whose holdout of `holdoutDays` days ends where the data does (see above). */
export function defaultCalibrationEnd(
  data: { asOf: Date; source: 'recompute' | 'last order' } | undefined,
  holdoutDays: number,
  now: Date,
): string {
  const today = Math.floor(now.getTime() / MS_PER_DAY) * MS_PER_DAY;
  let end = today;
  if (data) {
    const day = Math.floor(data.asOf.getTime() / MS_PER_DAY) * MS_PER_DAY;
    // A recompute counts the orders before its as-of; the last order's own day is data.
    end = Math.min(today, data.source === 'recompute' ? day : day + MS_PER_DAY);
  }
  return new Date(end - (holdoutDays + 1) * MS_PER_DAY).toISOString().slice(0, 10);
}
