/**
 * Everything about a flow that its schema and graph checks cannot tell, checked before it is
 * saved, as checkCampaignDefinition does for the coded kinds: the segments it tests exist, the
 * segments it changes are static, its coupon sets exist, its channels are known, and every
 * template exists (by name) or parses and renders against a sample contact. Reads only.
 */
import { couponSetStatus } from '../db/coupons.js';
import type { Db } from '../db/database.js';
import { getSegment, listSegments } from '../db/segments.js';
import {
  type FlowCampaign,
  FlowDefinitionError,
  parseFlowDefinition,
} from '../domain/flows/definition.js';
import { flowReferences } from '../domain/flows/graph.js';
import { PRESET_SEGMENTS } from '../domain/segments/presets.js';
import { templateProblems } from './check.js';

/** The channels a send node may name until channels are adapters with a registry of their own. */
export const FLOW_CHANNELS = ['email', 'sms'] as const;

const show = (s: string) => JSON.stringify(s);

export async function checkFlowDefinition(db: Db, input: unknown): Promise<FlowCampaign> {
  const flow = parseFlowDefinition(input);
  const problems: string[] = [];
  const refs = flowReferences(flow);

  // Segments a node adds to or removes from may be new (created on first use) but not dynamic.
  const changed = new Set(
    Object.values(flow.nodes).flatMap((n) => (n.type === 'segment' ? [n.segment] : [])),
  );
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (node.type !== 'segment') continue;
    const segment = await getSegment(db, node.segment);
    if (segment && segment.kind !== 'static')
      problems.push(
        `nodes.${id}.segment: segment ${show(node.segment)} is dynamic; contacts can only be added to or removed from a static segment`,
      );
  }
  const missing: string[] = [];
  for (const name of refs.segments) {
    if (changed.has(name) || PRESET_SEGMENTS.some((p) => p.name === name)) continue;
    if (!(await getSegment(db, name))) missing.push(name);
  }
  if (missing.length) {
    const known = [
      ...new Set([
        ...(await listSegments(db)).map((s) => s.name),
        ...PRESET_SEGMENTS.map((p) => p.name),
      ]),
    ];
    for (const name of missing)
      problems.push(
        `${segmentPath(flow, name)}: no segment named ${show(name)}; known: ${known.map(show).join(', ')} (create one with \`boomerang segment create\`)`,
      );
  }

  const sets = (await couponSetStatus(db)).map((s) => s.setId);
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (node.type === 'coupon' && !sets.includes(node.couponSet))
      problems.push(
        `nodes.${id}.couponSet: no coupon set ${show(node.couponSet)}; create it with \`boomerang coupons generate ${node.couponSet} --count N\``,
      );
    if (node.type !== 'send') continue;
    if (!(FLOW_CHANNELS as readonly string[]).includes(node.channel)) {
      problems.push(
        `nodes.${id}.channel: no channel ${show(node.channel)}; known: ${FLOW_CHANNELS.join(', ')}`,
      );
      continue;
    }
    problems.push(
      ...(await templateProblems(
        `nodes.${id}.template`,
        node.channel as (typeof FLOW_CHANNELS)[number],
        node.template,
      )),
    );
  }

  if (problems.length) throw new FlowDefinitionError(problems);
  return flow;
}

/** Where a flow names a segment first, for the problem's path. */
function segmentPath(flow: FlowCampaign, name: string): string {
  if (flow.exitWhen?.leftSegment === name) return 'exitWhen.leftSegment';
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (node.type === 'entry' && node.segment === name) return `nodes.${id}.segment`;
    if (node.type === 'branch' && node.if.inSegment === name) return `nodes.${id}.if.inSegment`;
  }
  return 'nodes';
}
