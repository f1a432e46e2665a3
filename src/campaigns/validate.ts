/**
 * `campaign validate` and `campaign graph`: a definition checked as `campaign create` would check
 * it, without saving it; a stored flow drawn as text or Mermaid.
 */
import { getCampaign } from '../db/campaigns.js';
import type { Db } from '../db/database.js';
import { CampaignDefinitionError } from '../domain/campaigns/definition.js';
import type { FlowCampaign } from '../domain/flows/definition.js';
import { renderFlowMermaid, renderFlowText } from '../domain/flows/render.js';
import { checkCampaignDefinition } from './check.js';

export interface Validation {
  /** The campaign's id and kind when the schema took it. */
  campaign?: { id: string; kind: string };
  /** Every problem by its path (`nodes.<id>.<field>: …`); empty when the definition is good. */
  problems: string[];
}

/** Checks a definition completely (schema, graph, references in the database), saving nothing. */
export async function validateCampaign(db: Db, input: unknown): Promise<Validation> {
  try {
    const campaign = await checkCampaignDefinition(db, input);
    return { campaign: { id: campaign.id, kind: campaign.kind }, problems: [] };
  } catch (err) {
    if (err instanceof CampaignDefinitionError) return { problems: err.problems };
    throw err;
  }
}

export class NotAFlowError extends Error {
  constructor(
    readonly campaignId: string,
    readonly kind: string,
  ) {
    super(
      `campaign "${campaignId}" is a ${kind} campaign, drawn by \`boomerang report ${campaignId}\`; \`campaign graph\` draws flows (kind: flow)`,
    );
    this.name = 'NotAFlowError';
  }
}

/** A stored flow's graph: the text drawing, or Mermaid. */
export async function flowGraph(db: Db, id: string, format: 'text' | 'mermaid'): Promise<string> {
  const stored = await getCampaign(db, id);
  const kind: string = stored.definition.kind;
  if (kind !== 'flow') throw new NotAFlowError(id, kind);
  const flow = stored.definition as unknown as FlowCampaign;
  return format === 'mermaid' ? renderFlowMermaid(flow) : renderFlowText(flow);
}
