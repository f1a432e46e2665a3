/** The daily recompute's work: summaries, model fits, indicators, segment refresh, campaign triggers. */
import { Context, heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { enrolOnSegmentEntry, type JourneyStarter } from '../campaigns/enrolment.js';
import {
  bgNbdFitRows,
  contactWithHistory,
  countDistinctTriples,
  discardModelOutputsAfter,
  distinctTriplesPage,
  gammaGammaFitRows,
  type GridRow,
  type HistoryTriple,
  publishIndicators,
  saveModelFit,
  summarizeContacts,
  writeModelGrid,
} from '../db/indicators.js';
import { ensurePresetSegments, listSegments, refreshMemberships } from '../db/segments.js';
import {
  expectedPurchasesIfAlive,
  fitBgNbd,
  probabilityAlive,
  type BgNbdParams,
} from '../domain/indicators/bgnbd.js';
import { DEFAULT_HORIZON_DAYS } from '../domain/indicators/clv.js';
import { fitGammaGamma, type GammaGammaParams } from '../domain/indicators/gamma-gamma.js';
import type { MaximumLikelihoodFit } from '../domain/indicators/optimize.js';

export interface FittedModels {
  bgnbd: { id: number; params: BgNbdParams } | null;
  gammaGamma: { id: number; params: GammaGammaParams } | null;
  /** Why a model could not be fitted (too little data), for the operator. */
  warnings: string[];
}

export interface SegmentRefresh {
  segment: string;
  segmentId: number;
  at: string;
  entered: number;
  exited: number;
  /** Why this segment could not be refreshed (e.g. a definition that no longer validates). */
  error?: string;
}

/** The journeys' starter: segment-entry campaigns start journeys from the recompute. */
export function createIndicatorActivities(starter: JourneyStarter) {
  const { db } = starter;
  /** Stores a model's fit; its id and parameters are what the indicators are computed with. */
  const saveFit = async <P extends Record<string, number>>(
    model: 'bgnbd' | 'gamma_gamma',
    params: P,
    sampleSize: number,
    fit: Pick<MaximumLikelihoodFit, 'logLikelihood' | 'converged'>,
  ): Promise<{ id: number; params: P }> => ({
    id: await saveModelFit(db, {
      model,
      parameters: params,
      sampleSize,
      logLikelihood: fit.logLikelihood,
      converged: fit.converged,
    }),
    params,
  });

  return {
    /** Per-contact order summaries and RFM scores, in one set-based statement. */
    async summarizeContacts(input: { asOf: string }): Promise<{ contacts: number }> {
      return { contacts: await summarizeContacts(db, new Date(input.asOf)) };
    },

    /** Fits BG/NBD and Gamma-Gamma by maximum likelihood on the shop's own history. */
    async fitValueModels(): Promise<FittedModels> {
      const warnings: string[] = [];
      let bgnbd: FittedModels['bgnbd'] = null;
      let gammaGamma: FittedModels['gammaGamma'] = null;
      const purchaseRows = await bgNbdFitRows(db);
      try {
        const fit = fitBgNbd(
          purchaseRows.map((r) => ({
            frequency: r.frequency,
            recency: r.recency,
            T: r.age,
            weight: r.weight,
          })),
        );
        bgnbd = await saveFit(
          'bgnbd',
          { r: fit.r, alpha: fit.alpha, a: fit.a, b: fit.b },
          fit.n,
          fit,
        );
        if (!fit.converged)
          warnings.push(
            'BG/NBD: the optimiser stopped before converging; indicators use its best estimate',
          );
      } catch (err) {
        warnings.push(`BG/NBD not fitted: ${(err as Error).message}`);
      }
      heartbeat();
      const spendRows = await gammaGammaFitRows(db);
      try {
        const fit = fitGammaGamma(
          spendRows.map((r) => ({ frequency: r.frequency, monetaryValue: r.monetary })),
        );
        gammaGamma = await saveFit(
          'gamma_gamma',
          { p: fit.p, q: fit.q, v: fit.v },
          spendRows.length,
          fit,
        );
        // q, v → ∞ with p·v/(q−1) finite: the data show (almost) no spend differences between customers.
        if (fit.q > 1e5)
          warnings.push(
            `Gamma-Gamma: spend hardly varies between customers (q = ${fit.q.toExponential(2)}); every expected order value is close to the shop mean of ${((fit.p * fit.v) / (fit.q - 1)).toFixed(2)}`,
          );
      } catch (err) {
        warnings.push(`Gamma-Gamma not fitted: ${(err as Error).message}`);
      }
      return { bgnbd, gammaGamma, warnings };
    },

    /**
     * Probability alive and forecast purchases over the horizon (default 365 days) for every
     * distinct purchase history (x, t_x, T), a batch at a time. Heartbeats its cursor: a retry
     * after a crash resumes there. A value that is not a finite number in range (which the
     * models never give for a valid history) fails the recompute without retries, naming a
     * contact and the parameters, rather than being stored.
     */
    async computeValueIndicators(input: {
      models: FittedModels;
      batchSize?: number;
      horizonDays?: number;
    }): Promise<{ histories: number }> {
      const { bgnbd } = input.models;
      if (!bgnbd) return { histories: 0 };
      const batchSize = input.batchSize ?? 20_000;
      const horizonDays = input.horizonDays ?? DEFAULT_HORIZON_DAYS;
      const resumed = Context.current().info.heartbeatDetails as
        { cursor: HistoryTriple; done: number } | undefined;
      let cursor: HistoryTriple | null = resumed?.cursor ?? null;
      let done = resumed?.done ?? 0;
      const total = await countDistinctTriples(db);
      await discardModelOutputsAfter(db, cursor);
      // The expectation given alive depends on (x, T) only: histories differing in t_x share it.
      const ifAlive = new Map<string, number>();
      for (;;) {
        const page = await distinctTriplesPage(db, cursor, batchSize);
        if (page.length === 0) break;
        const rows: GridRow[] = [];
        for (const h of page) {
          const alive = probabilityAlive(bgnbd.params, h.frequency, h.recency, h.age);
          const key = `${h.frequency}|${h.age}`;
          let given = ifAlive.get(key);
          if (given === undefined) {
            given = expectedPurchasesIfAlive(bgnbd.params, horizonDays, h.frequency, h.age);
            ifAlive.set(key, given);
          }
          const forecast = alive * given;
          if (!(alive >= 0 && alive <= 1 && forecast >= 0 && Number.isFinite(forecast))) {
            const contactId = await contactWithHistory(db, h);
            throw ApplicationFailure.nonRetryable(
              `BG/NBD gave P(alive) = ${alive}, forecast = ${forecast} for contact ${contactId ?? '?'} ` +
                `(x = ${h.frequency}, t_x = ${h.recency}, T = ${h.age} days, horizon ${horizonDays} days) ` +
                `with r = ${bgnbd.params.r}, alpha = ${bgnbd.params.alpha}, a = ${bgnbd.params.a}, ` +
                `b = ${bgnbd.params.b}; nothing was published`,
              'InvalidModelOutput',
            );
          }
          rows.push({ ...h, probabilityAlive: alive, forecastPurchases: forecast });
        }
        await writeModelGrid(db, rows);
        cursor = page.at(-1)!;
        done += page.length;
        heartbeat({ cursor, done, total });
      }
      return { histories: done };
    },

    /** Swaps in the new indicators (summaries ⨝ model outputs, Gamma-Gamma in SQL). */
    async publishIndicators(input: {
      asOf: string;
      models: FittedModels;
    }): Promise<{ contacts: number }> {
      const gg = input.models.gammaGamma;
      const contacts = await publishIndicators(db, new Date(input.asOf), {
        bgnbdFitId: input.models.bgnbd?.id ?? null,
        gammaGamma: gg ? { fitId: gg.id, params: gg.params } : null,
      });
      return { contacts };
    },

    /** Refreshes every dynamic segment's memberships, recording entries and exits. */
    async refreshSegments(input: { at: string }): Promise<SegmentRefresh[]> {
      await ensurePresetSegments(db);
      const results: SegmentRefresh[] = [];
      for (const segment of await listSegments(db)) {
        // One broken segment must not keep the others (and their campaigns) stale.
        try {
          const r = await refreshMemberships(db, segment, new Date(input.at));
          results.push({
            segment: segment.name,
            segmentId: r.segmentId,
            at: r.at.toISOString(),
            entered: r.entered,
            exited: r.exited,
          });
        } catch (err) {
          console.error(
            `recompute: segment "${segment.name}" not refreshed: ${(err as Error).message}`,
          );
          results.push({
            segment: segment.name,
            segmentId: segment.id,
            at: input.at,
            entered: 0,
            exited: 0,
            error: (err as Error).message,
          });
        }
        heartbeat(results.length);
      }
      return results;
    },

    /**
     * "On entry into segment": starts the journeys of every active campaign triggered by a segment,
     * for the contacts that entered it in this refresh. A retry after a crash starts over: the
     * journeys' deterministic ids make the contacts already started count as already enrolled.
     */
    async startJourneysOnSegmentEntry(input: {
      refreshes: SegmentRefresh[];
    }): Promise<{ started: number; alreadyEnrolled: number }> {
      return enrolOnSegmentEntry(
        starter,
        input.refreshes,
        heartbeat, // progress, for the Web UI
      );
    },
  };
}

export type IndicatorActivities = ReturnType<typeof createIndicatorActivities>;
