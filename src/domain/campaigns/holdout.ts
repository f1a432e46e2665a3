import { createHash } from 'node:crypto';

/**
 * Whether a contact is in a campaign's control group: a deterministic hash of campaign and
 * contact, so the answer never changes between launches, restarts or machines.
 */
export function isHeldOut(campaignId: string, contactId: number, holdoutPercent: number): boolean {
  if (holdoutPercent <= 0) return false;
  const digest = createHash('sha256').update(`${campaignId}:${contactId}`).digest();
  const bucket = digest.readUInt32BE(0) / 0x1_0000_0000; // uniform in [0, 1)
  return bucket * 100 < holdoutPercent;
}
