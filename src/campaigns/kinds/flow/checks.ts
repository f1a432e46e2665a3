/**
 * Everything about a flow that its schema and graph checks cannot tell: its checkout events and
 * key are ones checkout events carry, Boomerang's own events are named only where they arrive, no
 * wait until a purchase has a `where` it would ignore, the segments it tests exist, the segments
 * it changes are static, the campaigns its `inJourney` branches name exist, its coupon sets
 * exist, its channels are known, and every template exists (by name) or parses and renders
 * against a sample contact, and reads no variable the send will never have.
 * Asked through the look-ups a kind's checks are handed; each problem names the node and field.
 */
import { checkoutNameProblems } from '../../../domain/flows/checkout-names.js';
import type { FlowCampaign } from '../../../domain/flows/definition.js';
import { ownEventNameProblems } from '../../../domain/flows/own-event-names.js';
import { purchaseWaitProblems } from '../../../domain/flows/purchase-waits.js';
import type { CheckLookups } from '../kind.js';
import { templateVariableProblems } from './template-variables.js';

/** The channels a send node may name: the built-in ones, whose named templates the check knows. */
export const FLOW_CHANNELS = ['email', 'sms'] as const;

const show = (s: string) => JSON.stringify(s);

/** Where a flow names a segment first, for the problem's path. */
function segmentPath(flow: FlowCampaign, name: string): string {
  if (flow.exitWhen?.leftSegment === name) return 'exitWhen.leftSegment';
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (node.type === 'entry' && node.segment === name) return `nodes.${id}.segment`;
    if (node.type === 'branch' && node.if.inSegment === name) return `nodes.${id}.if.inSegment`;
  }
  return 'nodes';
}

export async function flowProblems(flow: FlowCampaign, lookups: CheckLookups): Promise<string[]> {
  const problems = [
    ...checkoutNameProblems(flow),
    ...ownEventNameProblems(flow),
    ...purchaseWaitProblems(flow),
    ...templateVariableProblems(flow),
  ];
  const nodes = Object.entries(flow.nodes);

  // Segments a node adds to or removes from may be new (created on first use) but not dynamic.
  const changed = new Set(nodes.flatMap(([, n]) => (n.type === 'segment' ? [n.segment] : [])));
  for (const [id, node] of nodes) {
    if (node.type !== 'segment') continue;
    const kind = await lookups.segmentKind(node.segment);
    if (kind === 'dynamic' || kind === 'preset')
      problems.push(
        `nodes.${id}.segment: segment ${show(node.segment)} is dynamic; contacts can only be added to or removed from a static segment`,
      );
  }
  const tested = new Set<string>();
  if (flow.exitWhen?.leftSegment) tested.add(flow.exitWhen.leftSegment);
  for (const [, node] of nodes) {
    if (node.type === 'entry' && node.segment) tested.add(node.segment);
    if (node.type === 'branch' && node.if.inSegment) tested.add(node.if.inSegment);
  }
  const missing: string[] = [];
  for (const name of tested)
    if (!changed.has(name) && !(await lookups.segmentKind(name))) missing.push(name);
  if (missing.length) {
    const known = (await lookups.segmentNames()).map(show).join(', ');
    for (const name of missing)
      problems.push(
        `${segmentPath(flow, name)}: no segment named ${show(name)}; known: ${known} (create one with \`boomerang segment create\`)`,
      );
  }

  // A branch on a running journey in another campaign: a misspelt id would never match.
  const journeyTests = nodes.flatMap(([id, node]) =>
    node.type === 'branch' && node.if.inJourney !== undefined && node.if.inJourney !== flow.id
      ? [{ id, campaign: node.if.inJourney }]
      : [],
  );
  if (journeyTests.length) {
    const campaigns = await lookups.campaignIds();
    for (const { id, campaign } of journeyTests)
      if (!campaigns.includes(campaign))
        problems.push(
          `nodes.${id}.if.inJourney: no campaign ${show(campaign)}${campaigns.length ? `; known: ${campaigns.map(show).join(', ')}` : ''} (create it first)`,
        );
  }

  const sets = await lookups.couponSetIds();
  for (const [id, node] of nodes) {
    if (node.type === 'coupon' && !sets.includes(node.couponSet))
      problems.push(
        `nodes.${id}.couponSet: no coupon set ${show(node.couponSet)}; create it with \`boomerang coupons generate ${node.couponSet} --count N\``,
      );
    if (node.type !== 'send') continue;
    const channel = FLOW_CHANNELS.find((c) => c === node.channel);
    if (!channel) {
      problems.push(
        `nodes.${id}.channel: no channel ${show(node.channel)}; known: ${FLOW_CHANNELS.join(', ')}`,
      );
      continue;
    }
    problems.push(
      ...(await lookups.templateProblems(`nodes.${id}.template`, channel, node.template)),
    );
    for (const [i, variant] of (node.variants ?? []).entries())
      problems.push(
        ...(await lookups.templateProblems(
          `nodes.${id}.variants.${i}.template`,
          channel,
          variant.template,
        )),
      );
  }
  return problems;
}
