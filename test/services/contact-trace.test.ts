/**
 * `contact trace` over journeys of two campaigns that share a name: each journey carries its
 * campaign's id, from its row or else its workflow id, and the table prints it.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { expect, it } from 'vitest';
import { traceTable } from '../../src/cli/contact.js';
import type { Config } from '../../src/config.js';
import { traceContact } from '../../src/services/contacts.js';
import { useTestDatabase } from '../support/db.js';

const database = useTestDatabase();
const config = {
  temporal: { uiUrl: 'http://ui.example:8233', namespace: 'default' },
} as unknown as Config;

/** A server listing closed journeys named "Spring sale"; no worker answers their query. */
function serverWith(workflowIds: string[]): Client {
  const executions = workflowIds.map(
    (workflowId, i) =>
      ({
        workflowId,
        runId: `run-${i}`,
        type: 'flowJourney',
        status: { name: 'COMPLETED' },
        memo: { campaign: 'Spring sale' },
        startTime: new Date(Date.UTC(2026, 11, 1 + i)),
        closeTime: new Date(Date.UTC(2026, 11, 2 + i)),
      }) as unknown as WorkflowExecutionInfo,
  );
  return {
    workflow: {
      async *list() {
        yield* executions;
      },
      getHandle: () => ({
        query: () => Promise.reject(new Error('no worker')),
      }),
    },
  } as unknown as Client;
}

it('tells apart two campaigns of one name by their ids', async () => {
  const temporal = serverWith(['spring-sale/7', 'spring-sale-2026/7/2']);
  const traces = await traceContact({ db: database.db, temporal, config }, 7);
  expect(traces.map((t) => [t.campaign, t.campaignId])).toEqual([
    ['Spring sale', 'spring-sale-2026'],
    ['Spring sale', 'spring-sale'],
  ]);
  const rows = traceTable(traces).split('\n').slice(2);
  expect(rows[0]).toMatch(/^Spring sale {2}spring-sale-2026 {2}/);
  expect(rows[1]).toMatch(/^Spring sale {2}spring-sale {7}/);
});
