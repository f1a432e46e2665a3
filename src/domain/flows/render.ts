/**
 * A flow's graph as text for the terminal and as Mermaid for anything that draws it
 * (`boomerang campaign graph ID [--mermaid]`). Nodes are listed from the entry node on, in the
 * order a journey meets them; nodes no path reaches come last. An experiment's node says so, and
 * which arm won once it is concluded.
 */
import type { FlowCampaign } from './definition.js';
import { flowExperiments } from './experiments.js';
import { nodeExits, nodeOrder } from './graph.js';
import { describeNode } from './steps.js';

/**
 * What marks each experiment's node (a split with `experiment`, a send with variants) by node id:
 * " (experiment)", or " (experiment, concluded: ARM)" once it has a winner.
 */
function experimentMarks(flow: FlowCampaign): Map<string, string> {
  return new Map(
    flowExperiments(flow).map((e) => [
      e.node,
      ` (experiment${e.settings.winner ? `, concluded: ${e.settings.winner}` : ''})`,
    ]),
  );
}

export function renderFlowText(flow: FlowCampaign): string {
  const lines = [`${flow.id}: ${flow.name}`];
  const exitWhen = [
    flow.exitWhen?.purchase ? 'on purchase' : undefined,
    flow.exitWhen?.leftSegment ? `on leaving segment "${flow.exitWhen.leftSegment}"` : undefined,
    flow.exitWhen?.events
      ? `on ${flow.exitWhen.events.map((e) => `"${e}"`).join(' or ')}`
      : undefined,
  ].filter(Boolean);
  if (exitWhen.length) lines.push(`  exits at once ${exitWhen.join(' and ')}`);
  const marks = experimentMarks(flow);
  for (const id of nodeOrder(flow.nodes)) {
    const node = flow.nodes[id]!;
    lines.push(`  ${id} [${node.type}${marks.get(id) ?? ''}] ${describeNode(node, flow)}`);
    for (const e of nodeExits(node)) lines.push(`    ${e.label} → ${e.to}`);
  }
  return lines.join('\n');
}

/** Mermaid escapes quotes as entities inside a quoted label. */
function label(text: string): string {
  return `"${text.replace(/"/g, '#quot;')}"`;
}

export function renderFlowMermaid(flow: FlowCampaign): string {
  const order = nodeOrder(flow.nodes);
  // Mermaid ids by position: node ids may hold characters Mermaid reads as syntax.
  const ref = new Map(order.map((id, i) => [id, `n${i}`]));
  const marks = experimentMarks(flow);
  const lines = ['flowchart TD'];
  for (const id of order) {
    const node = flow.nodes[id]!;
    const text = label(`${id}: ${describeNode(node, flow)}${marks.get(id) ?? ''}`);
    const shape =
      node.type === 'entry' || node.type === 'exit'
        ? `([${text}])`
        : node.type === 'branch' || node.type === 'split'
          ? `{${text}}`
          : `[${text}]`;
    lines.push(`  ${ref.get(id)}${shape}`);
  }
  for (const id of order) {
    for (const e of nodeExits(flow.nodes[id]!)) {
      const to = ref.get(e.to);
      const arrow = e.label === 'next' ? '-->' : `-- ${label(e.label)} -->`;
      if (to) lines.push(`  ${ref.get(id)} ${arrow} ${to}`);
    }
  }
  return lines.join('\n');
}
