/**
 * A send held by quiet hours or the frequency cap, on the time-skipping test server: the journey
 * sleeps until the time the send gave, says why while it waits, and sends again then.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendMessageInput, SendResult } from '../../src/activities/messaging.js';
import {
  journeyQuery,
  type JourneyResult,
  stopSignal,
} from '../../src/campaigns/journey-contract.js';
import {
  parseCampaignDefinition,
  type WelcomeVoucherCampaign,
} from '../../src/domain/campaigns/definition.js';
import { nextWindowStart, wallClock } from '../../src/domain/contact-window.js';
import { quietUntil, type SendHours, sendHoursFor } from '../../src/domain/messages/pressure.js';
import { welcomeVoucherJourney } from '../../src/workflows/welcome-voucher.js';
import { createTimeSkippingEnv } from '../support/temporal.js';
import { journeyWorkers, type Scenario } from './journey-harness.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** The shop's SMS hours (SMS_SEND_HOURS' default) and the contact's time zone. */
const SMS_HOURS: SendHours = { days: EVERY_DAY, from: '09:00', to: '20:00' };
const TZ = 'America/New_York';
/** The welcome journey's reminder SMS goes out 2 + 5 days after it starts (no purchase). */
const SMS_DUE_AFTER = 7 * DAY;

function welcome(fields: Record<string, unknown> = {}): WelcomeVoucherCampaign {
  return parseCampaignDefinition({
    id: 'welcome',
    name: 'Welcome voucher',
    kind: 'welcome_voucher',
    couponSet: 'welcome',
    ...fields,
  }) as WelcomeVoucherCampaign;
}

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(() => env?.teardown());

type Handle = Awaited<ReturnType<TestWorkflowEnvironment['client']['workflow']['start']>>;

async function run(
  campaign: WelcomeVoucherCampaign,
  scenario: Scenario,
  during?: (handle: Handle) => Promise<void>,
) {
  const workers = await journeyWorkers(env, { purchasedPerOrders: false, ...scenario });
  const result = await workers.run(async () => {
    const handle = await env.client.workflow.start(welcomeVoucherJourney, {
      taskQueue: workers.taskQueue,
      workflowId: `welcome/${workers.taskQueue}`,
      args: [{ campaign, contactId: 7 }],
    });
    if (during) await during(handle);
    return (await handle.result()) as JourneyResult;
  });
  const sends = (step: string) =>
    workers.calls.filter((c) => (c.input as unknown as SendMessageInput).step === step);
  return { result, sends, calls: workers.calls };
}

const outcomeOf = (result: Pick<JourneyResult, 'steps'>, step: string) =>
  result.steps.find((s) => s.step === step)?.outcome;

describe('quiet hours', () => {
  it('holds an SMS due at 23:00 on the contact’s clock and sends it at 09:00 there, not before', async () => {
    // Start so that the reminder SMS falls due at 23:00 in New York.
    const now = await env.currentTimeMs();
    const at23 = nextWindowStart(
      { days: EVERY_DAY, from: '23:00', to: '23:01' },
      new Date(now + SMS_DUE_AFTER + HOUR),
      TZ,
    ).getTime();
    await env.sleep(at23 - SMS_DUE_AFTER - now);

    let whileWaiting: string | undefined;
    const { result, sends } = await run(
      welcome(),
      {
        answerSend: (name, input, at) => {
          if (name !== 'sendSms') return undefined;
          const opens = quietUntil(sendHoursFor(input.pressure!, SMS_HOURS), new Date(at), TZ);
          return opens
            ? { outcome: 'skipped', reason: 'quiet_hours', retryAt: opens.toISOString() }
            : undefined;
        },
      },
      async (handle) => {
        await env.sleep(SMS_DUE_AFTER + HOUR);
        const state = await handle.query(journeyQuery);
        whileWaiting = state.steps.find((s) => s.step === 'send_reminder_sms')?.outcome;
      },
    );

    const [due, sent, ...more] = sends('send_reminder_sms');
    expect(more).toEqual([]);
    const dueLocal = wallClock(new Date(due!.at), TZ);
    expect(Math.floor(dueLocal.minutes)).toBe(23 * 60);
    const sentLocal = wallClock(new Date(sent!.at), TZ);
    expect(Math.floor(sentLocal.minutes)).toBe(9 * 60);
    expect(sentLocal.date > dueLocal.date).toBe(true);
    expect(sent!.at - due!.at).toBeGreaterThanOrEqual(10 * HOUR - MINUTE);
    expect(whileWaiting).toMatch(/^waiting: quiet hours until \d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/);
    expect(outcomeOf(result, 'send_reminder_sms')).toBe('sent');
    expect(result.endReason).toBe('completed');
    expect(due!.input.pressure).toEqual({ whenQuiet: 'wait', whenCapped: 'drop', priority: 0 });
  });

  it("passes the campaign's own hours and its choice to drop", async () => {
    const { result, sends } = await run(
      welcome({ quietHours: { sms: { from: '10:00', to: '12:00' }, whenQuiet: 'drop' } }),
      {
        answerSend: (name) =>
          name === 'sendSms' ? { outcome: 'skipped', reason: 'quiet_hours' } : undefined,
      },
    );
    const [sms, ...more] = sends('send_reminder_sms');
    expect(more).toEqual([]);
    expect(sms!.input.pressure).toMatchObject({
      whenQuiet: 'drop',
      sendHours: { days: [...EVERY_DAY], from: '10:00', to: '12:00' },
    });
    expect(outcomeOf(result, 'send_reminder_sms')).toBe('skipped: quiet_hours');
    expect(result.endReason).toBe('completed');
  });
  it('ends the journey at once when the campaign is stopped during the wait, sending nothing', async () => {
    const { result, sends, calls } = await run(
      welcome(),
      {
        answerSend: (name, _input, at) =>
          name === 'sendSms'
            ? {
                outcome: 'skipped',
                reason: 'quiet_hours',
                retryAt: new Date(at + 10 * HOUR).toISOString(),
              }
            : undefined,
      },
      async (handle) => {
        await env.sleep(SMS_DUE_AFTER + HOUR);
        await handle.signal(stopSignal, { reason: 'stopped by operator' });
      },
    );
    const [held, ...more] = sends('send_reminder_sms');
    expect(more).toEqual([]);
    expect(result.endReason).toBe('campaign_stopped');
    // Ended an hour into the 10-hour wait, not when it would have run out.
    const ended = calls.find((c) => c.name === 'endJourney')!;
    expect(ended.at - held!.at).toBeLessThan(2 * HOUR);
  });
});

describe('a frequency cap that delays', () => {
  /** The voucher is capped on its first attempt; the cap frees a slot 20 hours later. */
  function cappedVoucher(then: SendResult | undefined): Scenario['answerSend'] {
    let attempts = 0;
    return (_name, input, at) => {
      if (input.step !== 'send_voucher') return undefined;
      attempts++;
      if (attempts > 1) return then;
      return input.pressure?.whenCapped === 'delay'
        ? {
            outcome: 'skipped',
            reason: 'frequency_cap',
            retryAt: new Date(at + 20 * HOUR).toISOString(),
          }
        : { outcome: 'skipped', reason: 'frequency_cap' };
    };
  }

  it('sends a delayed welcome voucher when the cap frees a slot, with its delay limit', async () => {
    let whileWaiting: string | undefined;
    const { result, sends } = await run(
      welcome({ frequencyCap: { whenCapped: 'delay', priority: 5 } }),
      { answerSend: cappedVoucher(undefined) },
      async (handle) => {
        await env.sleep(2 * DAY + HOUR);
        whileWaiting = outcomeOf(await handle.query(journeyQuery), 'send_voucher');
      },
    );
    const [capped, sent, ...more] = sends('send_voucher');
    expect(more).toEqual([]);
    expect(sent!.at - capped!.at).toBeGreaterThanOrEqual(20 * HOUR);
    expect(sent!.at - capped!.at).toBeLessThan(20 * HOUR + MINUTE);
    const pressure = capped!.input.pressure as Record<string, unknown>;
    expect(pressure).toMatchObject({ whenCapped: 'delay', priority: 5 });
    // "3 days" (the default delayUpTo) from the first attempt, the same on every attempt.
    expect(Math.abs(Date.parse(pressure.delayUntil as string) - capped!.at - 3 * DAY)).toBeLessThan(
      MINUTE,
    );
    expect(sent!.input.pressure).toEqual(pressure);
    expect(whileWaiting).toMatch(/^waiting: frequency cap until /);
    expect(outcomeOf(result, 'send_voucher')).toBe('sent');
    expect(result.endReason).toBe('completed');
  });

  it('drops a capped voucher at once when the campaign drops, and goes on', async () => {
    const { result, sends } = await run(welcome(), { answerSend: cappedVoucher(undefined) });
    expect(sends('send_voucher')).toHaveLength(1);
    expect(outcomeOf(result, 'send_voucher')).toBe('skipped: frequency_cap');
    expect(sends('send_reminder')).toHaveLength(1);
    expect(result.endReason).toBe('completed');
  });

  it('records the drop when the send, woken, finds its delay limit passed', async () => {
    const { result, sends } = await run(
      welcome({ frequencyCap: { whenCapped: 'delay', delayUpTo: '1 day' } }),
      { answerSend: cappedVoucher({ outcome: 'skipped', reason: 'frequency_cap' }) },
    );
    expect(sends('send_voucher')).toHaveLength(2);
    expect(outcomeOf(result, 'send_voucher')).toBe('skipped: frequency_cap');
    expect(result.endReason).toBe('completed');
  });
});
