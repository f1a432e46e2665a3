import { Context } from '@temporalio/activity';
import type { Db } from '../db/database.js';
import { insertGreetingOnce } from '../db/greetings.js';
import { currentWorkflowId, stepKey } from './context.js';

export interface RecordGreetingInput {
  step: string;
  name: string;
  holdMs?: number;
}

export function createGreetingActivities({ db }: { db: Db }) {
  return {
    /** Writes the greeting once: a retry after a crash finds the row its first attempt wrote. */
    async recordGreeting({
      step,
      name,
      holdMs,
    }: RecordGreetingInput): Promise<{ message: string; firstAttempt: boolean }> {
      const ctx = Context.current();
      const key = stepKey(step);
      const message = step === 'hello' ? `Hello, ${name}!` : `Goodbye, ${name}!`;
      const firstAttempt = await insertGreetingOnce(db, {
        idempotencyKey: key,
        workflowId: currentWorkflowId(),
        name,
        message,
      });
      if (holdMs) {
        const until = Date.now() + holdMs;
        while (Date.now() < until) {
          ctx.heartbeat();
          await ctx.sleep(Math.min(500, until - Date.now()));
        }
      }
      return { message, firstAttempt };
    },
  };
}

export type GreetingActivities = ReturnType<typeof createGreetingActivities>;
