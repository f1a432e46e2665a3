/**
 * Send: a message by email or SMS, through the coded journeys' send helpers (consent, control
 * group, frequency cap, one message per step), with the coupon of an earlier coupon node.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { NodeFunction } from './run.js';

export const sendNode: NodeFunction = async (run, id) => {
  const { journey } = run;
  const node = run.node(id, 'send');
  const coupon = node.coupon === undefined ? undefined : run.coupons.get(node.coupon);
  const template = () => run.node(id, 'send').template;
  if (node.channel === 'email') await journey.sendEmail(run.step(id), template, coupon);
  else if (node.channel === 'sms') await journey.sendSms(run.step(id), template, coupon);
  else
    throw ApplicationFailure.nonRetryable(
      `flow node "${id}": no channel "${node.channel}" (email and sms are)`,
      'UnknownChannel',
    );
  return { next: run.node(id, 'send').next };
};
