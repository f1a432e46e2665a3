/**
 * Custom search attributes on every journey, so the Web UI's search
 * `BoomerangContactId = "…"` finds a contact's journeys. Registered by `npm start` (dev server flags)
 * and by `registerSearchAttributes` against any other server.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CONTACT_ID = defineSearchAttributeKey(
  'BoomerangContactId',
  SearchAttributeType.KEYWORD,
);
export const CAMPAIGN = defineSearchAttributeKey('BoomerangCampaign', SearchAttributeType.KEYWORD);
export const STEP = defineSearchAttributeKey('BoomerangStep', SearchAttributeType.KEYWORD);

export const BOOMERANG_SEARCH_ATTRIBUTES = [CONTACT_ID, CAMPAIGN, STEP] as const;
