/**
 * Wait: a duration; until the contact window opens; or until an event, with a timeout (two
 * exits). A wait until a purchase is the coded journeys' "wait, cut short by a purchase".
 * The flow's exit criteria act here: with `exitWhen.purchase` a purchase cuts a duration wait
 * short and ends the journey (after a contact-window wait, the interpreter's check between nodes
 * ends it), and with `exitWhen.leftSegment` a contact who left the segment during a wait ends it.
 */
import { DEFAULT_CONTACT_WINDOW } from '../../domain/campaigns/defaults.js';
import type { FlowEvent, FlowRun, NodeFunction, NodeOutcome } from './run.js';

function matches(event: FlowEvent, until: { event: string; where?: Record<string, unknown> }) {
  return (
    event.name === until.event &&
    Object.entries(until.where ?? {}).every(([k, v]) => event.properties?.[k] === v)
  );
}

async function afterWait(run: FlowRun, next: string): Promise<NodeOutcome> {
  const left = run.journey.campaign.exitWhen?.leftSegment;
  if (left && !(await run.journey.isInSegment(left))) return { end: 'left_segment' };
  return { next };
}

export const waitNode: NodeFunction = async (run, id) => {
  const { journey } = run;
  const node = run.node(id, 'wait');
  const step = run.step(id);
  if (node.until === 'contact_window') {
    const flow = journey.campaign;
    await journey.waitForContactWindow(
      step,
      node.window ?? flow.contactWindow ?? DEFAULT_CONTACT_WINDOW,
    );
    return afterWait(run, run.node(id, 'wait').next!);
  }
  if (node.until?.event === 'purchase') {
    const purchased = await journey.waitUnlessPurchase(step, () => run.node(id, 'wait').timeout!);
    const now = run.node(id, 'wait');
    return purchased ? { next: now.onEvent! } : afterWait(run, now.onTimeout!);
  }
  if (node.until) {
    const from = run.events.length;
    const received = await journey.waitUnless(
      step,
      () => run.node(id, 'wait').timeout!,
      () => {
        const until = run.node(id, 'wait').until;
        return typeof until === 'object' && run.events.slice(from).some((e) => matches(e, until));
      },
      `${node.until.event} received`,
    );
    const now = run.node(id, 'wait');
    return received ? { next: now.onEvent! } : afterWait(run, now.onTimeout!);
  }
  const length = () => run.node(id, 'wait').duration!;
  const purchased = journey.campaign.exitWhen?.purchase
    ? await journey.waitUnlessPurchase(step, length)
    : await journey.waitUnless(step, length, () => false, 'interrupted');
  if (purchased) return { end: 'purchased' };
  return afterWait(run, run.node(id, 'wait').next!);
};
