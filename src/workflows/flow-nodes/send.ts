/**
 * Send: a message by email or SMS, through the coded journeys' send helpers (consent, control
 * group, frequency cap, one message per step), with the coupon of an earlier coupon node, the
 * properties of the entry event as `event`, and — for a journey per checkout — the checkout as it
 * is now (`checkout`: its items, total and recovery link with the campaign's UTM tags).
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { checkoutTemplateVariable } from '../../domain/checkouts.js';
import type { MoreVariables } from '../journey.js';
import type { FlowRun, NodeFunction } from './run.js';

function entryVariables(run: FlowRun): MoreVariables {
  return (utm) => {
    const properties = run.entryEvent?.properties;
    if (!properties) return {};
    const checkout = checkoutTemplateVariable(properties, utm);
    return { event: properties, ...(checkout ? { checkout } : {}) };
  };
}

export const sendNode: NodeFunction = async (run, id) => {
  const { journey } = run;
  const node = run.node(id, 'send');
  const coupon = node.coupon === undefined ? undefined : run.coupons.get(node.coupon);
  const template = () => run.node(id, 'send').template;
  const more = entryVariables(run);
  if (node.channel === 'email') await journey.sendEmail(run.step(id), template, coupon, more);
  else if (node.channel === 'sms') await journey.sendSms(run.step(id), template, coupon, more);
  else
    throw ApplicationFailure.nonRetryable(
      `flow node "${id}": no channel "${node.channel}" (email and sms are)`,
      'UnknownChannel',
    );
  return { next: run.node(id, 'send').next };
};
