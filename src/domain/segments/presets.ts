/**
 * The segments Boomerang ships, as the seed articles define them. They are inserted when missing
 * (`ensurePresetSegments` in src/db/segments.ts) and are then the shop's to edit: an edited preset
 * is never overwritten.
 */
import type { SegmentGroup } from './definition.js';

export interface SegmentPreset {
  name: string;
  description: string;
  definition: SegmentGroup;
}

export const PRESET_SEGMENTS: readonly SegmentPreset[] = [
  {
    // Connectif, "Segment customers with low CLV and low purchase forecast": subscribed to the
    // newsletter, CLV (12m) below 100 (the article's example value; it suggests the shop's average,
    // i.e. {"shopAverage": true}) and fewer than 1 forecast purchase in a year.
    name: 'Customers to reengage',
    description:
      'Newsletter subscribers with a low 12-month CLV and less than one forecast purchase in a year',
    definition: {
      match: 'all',
      conditions: [
        { field: 'newsletter_status', op: 'eq', value: 'subscribed' },
        { field: 'clv_12m', op: 'lt', value: 100 },
        { field: 'forecast_purchases_12m', op: 'lt', value: 1 },
      ],
    },
  },
  {
    // Connectif, "Coupon de réactivation des clients inactifs": the RFM segment "À ne pas perdre"
    // (Can't Lose Them) and subscribed to the newsletter.
    name: "Can't lose them",
    description:
      'Newsletter subscribers in the RFM segment "Can\'t Lose Them": valuable customers who stopped buying',
    definition: {
      match: 'all',
      conditions: [
        { field: 'rfm_segment', op: 'eq', value: "Can't Lose Them" },
        { field: 'newsletter_status', op: 'eq', value: 'subscribed' },
      ],
    },
  },
];
