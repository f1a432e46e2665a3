/**
 * The arm of a split node a contact takes: chosen from the contact id and the node id alone, so
 * the same contact always takes the same arm of the same node — in a replay, after a worker
 * crash, and when a report recomputes who was in which arm. Pure: workflow code imports it.
 */

/**
 * A send node's own template, as an experiment's arm beside its variants. Here, not beside the
 * schema that checks the names: workflow code imports it, and the schema would bring zod into
 * the workflow bundle, where each new workflow builds its schemas again.
 */
export const SEND_CONTROL_ARM = 'control';

/**
 * FNV-1a over the text, then MurmurHash3's finaliser: a stable 32-bit hash with no dependency.
 * The finaliser mixes the last characters into the high bits, which decide the arm, so
 * consecutive contact ids spread evenly.
 */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** A number in [0, 1) fixed by the contact and the node. */
export function splitPoint(contactId: number, nodeId: string): number {
  return stableHash(`${contactId}:${nodeId}`) / 0x1_0000_0000;
}

/** The arm whose share of the total weight holds the contact's point. */
export function chooseArm<A extends { weight: number }>(
  arms: readonly A[],
  contactId: number,
  nodeId: string,
): A {
  const total = arms.reduce((sum, arm) => sum + arm.weight, 0);
  let point = splitPoint(contactId, nodeId) * total;
  for (const arm of arms) {
    if (point < arm.weight) return arm;
    point -= arm.weight;
  }
  return arms[arms.length - 1]!;
}
