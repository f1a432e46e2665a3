/**
 * The words of a definition update, shared by the coded kinds' field-by-field rules (./changes.ts)
 * and a flow's node-by-node ones (../flows/changes.ts): a change, whether running journeys may
 * take it, and the refusal when they cannot.
 */
export type RunningJourneysChoice = 'keep' | 'adopt';

export interface DefinitionChange {
  /** Dotted path of the changed field, e.g. "emails.reminder" or "waits.afterWelcome". */
  field: string;
  /** Null when a running journey can take the change at its next node; else why it cannot. */
  unsafeBecause: string | null;
}

export class UnsafeDefinitionChangeError extends Error {
  constructor(
    readonly campaignId: string,
    readonly refused: DefinitionChange[],
    readonly runningVersion?: number,
    hint = 'Save it with --running keep (running journeys finish on the version they started with; new journeys take the new one).',
  ) {
    super(
      `running journeys of "${campaignId}"${runningVersion ? ` on version ${runningVersion}` : ''} cannot take this update at their next node:\n${refused
        .map((c) => `  - ${c.field}: ${c.unsafeBecause}`)
        .join('\n')}\n${hint}`,
    );
    this.name = 'UnsafeDefinitionChangeError';
  }
}
