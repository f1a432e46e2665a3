/**
 * The walking skeleton: client → Temporal → worker → activity → Postgres, with a durable timer
 * between two side effects. It proves the wiring (and crash safety) before the campaigns arrive.
 */
import type { Duration } from '@temporalio/common';
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { GreetingActivities } from '../activities/greeting.js';

export interface GreetingInput {
  name: string;
  /** Durable pause between the two greetings. */
  pause?: Duration;
  /** How long each greeting step keeps working after its write (simulates a slow provider). */
  holdMs?: number;
}

export interface GreetingResult {
  messages: string[];
}

const { recordGreeting } = proxyActivities<GreetingActivities>({
  startToCloseTimeout: '1 minute',
  // A worker that dies mid-activity stops heartbeating; the step is retried elsewhere within seconds.
  heartbeatTimeout: '3 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

export async function greetingWorkflow(input: GreetingInput): Promise<GreetingResult> {
  const hello = await recordGreeting({ step: 'hello', name: input.name, holdMs: input.holdMs });
  await sleep(input.pause ?? '1 second');
  const goodbye = await recordGreeting({ step: 'goodbye', name: input.name, holdMs: input.holdMs });
  return { messages: [hello.message, goodbye.message] };
}
