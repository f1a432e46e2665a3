import { ApplicationFailure } from '@temporalio/common';
import { msToNumber } from '../domain/duration.js';
import type { Db } from '../db/database.js';
import { assignCoupon, CouponPoolExhaustedError, UnknownCouponSetError } from '../db/coupons.js';
import { currentWorkflowId, stepKey } from './context.js';
import { type CarriesEnteredStep, recordStepEntered } from './journeys.js';

export interface AssignCouponInput extends CarriesEnteredStep {
  step: string;
  campaignId: string;
  contactId: number;
  couponSet: string;
  /** Duration text ("5 days"): the code expires at most this long after assignment. */
  validFor?: string;
}

export function createCouponActivities({ db }: { db: Db }) {
  return {
    /**
     * "Assign coupon": claims one code of the set for this journey step. Retries get the same code.
     * An empty pool (or unknown set) is a non-retryable failure: retrying cannot create codes.
     */
    async assignCoupon(
      input: AssignCouponInput,
    ): Promise<{ code: string; expiresAt: string | null }> {
      const key = stepKey(input.step);
      try {
        const coupon = await assignCoupon(db, {
          setId: input.couponSet,
          assignmentKey: key,
          contactId: input.contactId,
          validForMs: input.validFor ? msToNumber(input.validFor as never) : undefined,
        });
        await recordStepEntered(db, input.entered, [
          {
            key: `${key}:coupon_assigned`,
            workflowId: currentWorkflowId(),
            campaignId: input.campaignId,
            contactId: input.contactId,
            type: 'coupon_assigned',
            step: input.step,
            detail: {
              couponSet: input.couponSet,
              code: coupon.code,
              expiresAt: coupon.expiresAt?.toISOString() ?? null,
            },
          },
        ]);
        return { code: coupon.code, expiresAt: coupon.expiresAt?.toISOString() ?? null };
      } catch (err) {
        // The node was entered even when its pool is empty; another error is retried, entry and all.
        if (err instanceof CouponPoolExhaustedError || err instanceof UnknownCouponSetError)
          await recordStepEntered(db, input.entered);
        if (err instanceof CouponPoolExhaustedError) {
          console.warn(
            `coupons: ${err.message} (campaign ${input.campaignId}, contact ${input.contactId})`,
          );
          throw ApplicationFailure.nonRetryable(err.message, 'CouponPoolExhausted', {
            couponSet: input.couponSet,
          });
        }
        if (err instanceof UnknownCouponSetError)
          throw ApplicationFailure.nonRetryable(err.message, 'CouponPoolExhausted', {
            couponSet: input.couponSet,
          });
        throw err;
      }
    },
  };
}

export type CouponActivities = ReturnType<typeof createCouponActivities>;
