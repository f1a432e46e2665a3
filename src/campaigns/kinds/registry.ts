/**
 * Every campaign kind, and the types that name them. The built-in kinds are listed here; a kind
 * from outside src (a shop's own, a test's fixture) is added with `registerCampaignKind` before the
 * worker and the services start, and then parses, checks, launches and reports like the built-in
 * ones. Kinds import nothing from here, so kinds and definitions never import each other.
 *
 * Pure: no I/O. Workflow code must not import this module (it holds the zod schemas); workflows
 * import their kind's `steps.ts` and the definition types.
 */
import { z } from 'zod';
import { describeSchemaIssues } from '../../domain/json.js';
import type { FlowCampaign } from './flow/definition.js';
import { flow } from './flow/index.js';
import { inactiveReactivation } from './inactive-reactivation/index.js';
import type { InactiveReactivationCampaign } from './inactive-reactivation/definition.js';
import type { CampaignKindModule } from './kind.js';
import { lowClvCoupon } from './low-clv-coupon/index.js';
import type { LowClvCouponCampaign } from './low-clv-coupon/definition.js';
import { welcomeVoucher } from './welcome-voucher/index.js';
import type { WelcomeVoucherCampaign } from './welcome-voucher/definition.js';

export type {
  LowClvCouponCampaign,
  InactiveReactivationCampaign,
  WelcomeVoucherCampaign,
  FlowCampaign,
};

/**
 * A definition of one of the coded kinds: code that handles one kind narrows on `kind`. A flow
 * (`FlowCampaign`) parses here too but, like a registered kind, is read only by the flow's code.
 */
export type CampaignDefinition =
  LowClvCouponCampaign | InactiveReactivationCampaign | WelcomeVoucherCampaign;

export type CampaignKind = CampaignDefinition['kind'] | FlowCampaign['kind'];

const BUILT_IN = [lowClvCoupon, inactiveReactivation, welcomeVoucher, flow] as const;

/** The built-in kinds, in the order the README presents them. */
export const CAMPAIGN_KINDS: readonly CampaignKind[] = BUILT_IN.map((k) => k.kind);

// Each kind's functions are only ever called with a definition its own schema parsed.
const kinds = new Map<string, CampaignKindModule>(BUILT_IN.map((k) => [k.kind, k]));

/** Adds a kind (its `kind` must be new). Registered kinds are known to every part of this process. */
export function registerCampaignKind(kind: CampaignKindModule): void {
  const existing = kinds.get(kind.kind);
  if (existing === kind) return;
  if (existing) throw new Error(`campaign kind "${kind.kind}" is already registered`);
  kinds.set(kind.kind, kind);
  definitionSchema = undefined;
}

/** Every registered kind, the built-in ones first. */
export function campaignKinds(): CampaignKindModule[] {
  return [...kinds.values()];
}

export class UnknownCampaignKindError extends Error {
  constructor(readonly kind: string) {
    super(`unknown campaign kind "${kind}"; known: ${[...kinds.keys()].join(', ')}`);
    this.name = 'UnknownCampaignKindError';
  }
}

/** The kind of a parsed definition. */
export function campaignKind(kind: string): CampaignKindModule {
  const found = kinds.get(kind);
  if (!found) throw new UnknownCampaignKindError(kind);
  return found;
}

/** The registered workflow type that runs the journeys of `kind`. */
export function journeyWorkflowType(kind: string): string {
  return campaignKind(kind).workflowType;
}

let definitionSchema: z.ZodType | undefined;

/** One schema for every registered kind, told apart by `kind`. */
function schemaOfEveryKind(): z.ZodType {
  definitionSchema ??= z.discriminatedUnion(
    'kind',
    // Each kind's schema is a strict object with a literal `kind` (./common.ts campaignSchema).
    [...kinds.values()].map((k) => k.schema) as unknown as [
      z.ZodObject<{ kind: z.ZodLiteral<string> }>,
    ],
    {
      error: (issue) =>
        issue.code === 'invalid_union'
          ? `must be one of ${[...kinds.keys()].join(', ')}`
          : undefined,
    },
  );
  return definitionSchema;
}

export class CampaignDefinitionError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid campaign definition:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'CampaignDefinitionError';
  }
}

/**
 * Validates a definition (from JSON/YAML or the CLI) and fills in its kind's defaults. The result
 * is typed as a built-in kind's; a registered kind's definition has the common settings of
 * `CampaignBase` and its own, which only that kind's code reads.
 */
export function parseCampaignDefinition(input: unknown): CampaignDefinition {
  const parsed = schemaOfEveryKind().safeParse(input);
  if (parsed.success) return parsed.data as CampaignDefinition;
  throw new CampaignDefinitionError(describeSchemaIssues(parsed.error.issues));
}
