/** Links into the Temporal Web UI: the journeys behind a number of the report. */
import { CAMPAIGN, STEP } from '../domain/search-attributes.js';

export interface UiTarget {
  uiUrl: string;
  namespace: string;
}

/** The Web UI's workflow list filtered by a visibility query. */
export function workflowSearchUrl(target: UiTarget, query: string): string {
  return `${target.uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(target.namespace)}/workflows?query=${encodeURIComponent(query)}`;
}

const quoted = (value: string): string => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * `BoomerangCampaign="id"`, and `AND BoomerangStep="step"` for the journeys whose current step is
 * `step` (a journey updates BoomerangStep on every node it enters, and sets `end:<reason>` when it ends).
 */
export function journeysQuery(campaignId: string, step?: string): string {
  const campaign = `${CAMPAIGN.name}=${quoted(campaignId)}`;
  return step === undefined ? campaign : `${campaign} AND ${STEP.name}=${quoted(step)}`;
}
