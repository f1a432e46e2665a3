/**
 * The worker's log while Temporal is down or rate-limits the worker, or the machine is saturated:
 * core's retry warning (one per poller and retry, several a second; one per start or signal turned
 * away over a rate limit) and its slow workflow task warning ([TMPRL1104]) are each one line, then
 * one a minute with the count, and a line when Temporal answers again; every other warning still
 * shows. The messages are core's own format strings, read from the SDK's
 * shipped source; the clock is the test's.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { LogLevel, LogMetadata } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { QuietLogger } from '../../src/temporal/quiet-logger.js';
import { coreErrorInWords, SUMMARY_EVERY_MS } from '../../src/temporal/repeated-warnings.js';

const coreSource = (file: string) => {
  const bridge = path.dirname(
    createRequire(import.meta.url).resolve('@temporalio/core-bridge/package.json'),
  );
  return readFileSync(path.join(bridge, 'sdk-core/crates', file), 'utf8');
};

/** Core's `warn!(error=?err, "gRPC call {} retried {} times", …)`, filled in. */
const retryFormat = /"(gRPC call \{\} retried \{\} times)"/.exec(
  coreSource('client/src/retry.rs'),
)![1]!;
const retried = (call: string, times: number) =>
  retryFormat.replace('{}', call).replace('{}', String(times));
/** Core's TMPRL1104 warning, filled in as `warn!` fills it in. */
const slowFormat = /"(\[TMPRL1104\] [^"]+)",\s*threshold/.exec(
  coreSource('sdk-core/src/worker/workflow/managed_run.rs'),
)![1]!;
const slowTask = (run: string) =>
  slowFormat
    .replace('{run_id}', run)
    .replace('{event_id}', '3')
    .replace('{attempt}', '1')
    .replace('{}', '5');

/** Core's Debug form of the error of a poll on a server that refuses connections. */
const REFUSED =
  'Status { code: Unavailable, message: "tcp connect error", source: Some(tonic::transport::Error(Transport, ConnectError(ConnectError("tcp connect error", 127.0.0.1:7233, Os { code: 111, kind: ConnectionRefused, message: "Connection refused" })))) }';
const RETRY_META = { sdkComponent: 'core', target: 'temporalio_client::retry', error: REFUSED };

function setUp() {
  const lines: { level: LogLevel; message: string; meta?: LogMetadata }[] = [];
  const inner = new DefaultLogger('TRACE', ({ level, message, meta }) =>
    lines.push({ level, message, meta }),
  );
  const clock = { now: 1_000_000 };
  const logger = new QuietLogger({
    inner,
    temporalAddress: 'temporal.shop:7233',
    now: () => clock.now,
    tickMs: 0,
  });
  const texts = () => lines.map((l) => l.message);
  return { lines, texts, clock, logger };
}

describe("the worker's log while Temporal does not answer", () => {
  it('says once that it does not answer, then a line a minute, then that it answers again', () => {
    const { texts, clock, logger } = setUp();
    // What a worker's ten pollers printed in the first seconds of an outage: 106 lines.
    for (let i = 0; i < 106; i++) {
      clock.now += 40;
      logger.warn(
        retried(i % 2 ? 'poll_workflow_task_queue' : 'poll_activity_task_queue', 6),
        RETRY_META,
      );
    }
    expect(texts()).toEqual([
      'Temporal at temporal.shop:7233 does not answer (Unavailable: tcp connect error: Connection refused); ' +
        'retrying until it does, with a line a minute meanwhile',
    ]);

    // The rest of the minute, and past it: core turns its retry warning into an error after 15.
    for (let i = 0; i < 50; i++) {
      clock.now += 1200;
      logger.error(retried('poll_workflow_task_queue', 16), RETRY_META);
    }
    expect(texts().slice(1)).toEqual([
      'still cannot reach Temporal at temporal.shop:7233 (152 retries in the last minute)',
    ]);

    logger.repeated.tick();
    clock.now += 5000;
    logger.warn(retried('poll_activity_task_queue', 17), RETRY_META);
    logger.repeated.temporalAnswers();
    logger.repeated.temporalAnswers();
    expect(texts().slice(2)).toEqual([
      'Temporal at temporal.shop:7233 answers again (4 retries since the last line)',
    ]);
    expect(logger.repeated.temporalUnreachable).toBe(false);

    // A later outage is told again from its first line.
    logger.warn(retried('poll_workflow_task_queue', 6), RETRY_META);
    expect(texts().at(-1)).toMatch(/^Temporal at temporal\.shop:7233 does not answer/);
  });

  it('sends the minute’s count even when no warning comes after it', () => {
    const { texts, clock, logger } = setUp();
    logger.warn(retried('poll_workflow_task_queue', 6), RETRY_META);
    clock.now += 10_000;
    logger.warn(retried('poll_workflow_task_queue', 7), RETRY_META);
    logger.repeated.tick();
    expect(texts()).toHaveLength(1);
    clock.now += SUMMARY_EVERY_MS;
    logger.repeated.tick();
    expect(texts().slice(1)).toEqual([
      'still cannot reach Temporal at temporal.shop:7233 (1 retry in the last minute)',
    ]);
  });

  it('passes every other warning and error as it is, between the summarised ones', () => {
    const { lines, texts, clock, logger } = setUp();
    logger.warn(retried('poll_workflow_task_queue', 6), RETRY_META);
    logger.warn('Activity failed', { activityType: 'sendEmail' });
    // A retry for another reason than an outage or a rate limit is not summarised.
    const internal = { ...RETRY_META, error: 'Status { code: Internal, message: "oops" }' };
    logger.warn(retried('start_workflow_execution', 6), internal);
    logger.error('Worker failed', { error: 'boom' });
    clock.now += 100;
    logger.warn(retried('poll_workflow_task_queue', 7), RETRY_META);
    expect(texts().slice(1)).toEqual([
      'Activity failed',
      retried('start_workflow_execution', 6),
      'Worker failed',
    ]);
    expect(lines[1]!.meta).toEqual({ activityType: 'sendEmail' });
  });

  it('puts core’s error in words', () => {
    expect(coreErrorInWords(REFUSED)).toBe('Unavailable: tcp connect error: Connection refused');
    expect(coreErrorInWords('Status { code: DeadlineExceeded, message: "", source: None }')).toBe(
      'DeadlineExceeded',
    );
  });
});

/**
 * Core's Debug form of the error of a start a rate-limited namespace turned away (a dev server
 * with `frontend.namespaceRPS=2` answered it so).
 */
const RATE_LIMITED =
  'Status { code: ResourceExhausted, message: "namespace rate limit exceeded", details: b"\\x08\\x08\\x12\\x1dnamespace rate limit exceeded", metadata: MetadataMap { headers: {"content-type": "application/grpc", "x-resource-exhausted-cause": "RpsLimit", "x-resource-exhausted-scope": "Namespace"} }, source: None }';

describe("the worker's log while Temporal turns calls away over its rate limits", () => {
  it('says so once, then counts the retries a minute at a time, and is no outage', () => {
    const { texts, clock, logger } = setUp();
    const limited = { ...RETRY_META, error: RATE_LIMITED };
    // A launch's batch of starts over the namespace's rate limit: core warns once per start
    // that used up its retries (36 of 60 on the dev server), then each poller keeps retrying.
    for (let i = 0; i < 36; i++) {
      clock.now += 100;
      logger.warn(retried('start_workflow_execution', 5), limited);
    }
    for (let i = 0; i < 20; i++) {
      clock.now += 3000;
      logger.warn(retried('poll_workflow_task_queue', 6 + i), limited);
    }
    // The minute's count: the 35 starts after the first and the 19 polls within the minute.
    expect(texts()).toEqual([
      'Temporal at temporal.shop:7233 turns calls away over its rate limits ' +
        '(ResourceExhausted: namespace rate limit exceeded; gRPC call start_workflow_execution retried 5 times): ' +
        "they back off and are retried; if it lasts, the namespace's rate limit is too low for the load " +
        '(see "Sizing a shop" in the README); further retries are counted, a line a minute',
      'Temporal at temporal.shop:7233 still turns calls away over its rate limits (54 retries in the last minute)',
    ]);
    expect(logger.repeated.temporalUnreachable).toBe(false);

    // An outage meanwhile is told as an outage.
    logger.warn(retried('poll_activity_task_queue', 6), RETRY_META);
    expect(texts().at(-1)).toMatch(/^Temporal at temporal\.shop:7233 does not answer/);

    // The rest of the count, then a quiet minute ends the run: the next is told from its first line.
    logger.repeated.temporalAnswers();
    clock.now += SUMMARY_EVERY_MS;
    logger.repeated.tick();
    clock.now += SUMMARY_EVERY_MS;
    logger.repeated.tick();
    expect(texts().slice(3)).toEqual([
      'Temporal at temporal.shop:7233 answers again',
      'Temporal at temporal.shop:7233 still turns calls away over its rate limits (1 retry in the last minute)',
    ]);
    logger.warn(retried('signal_workflow_execution', 5), limited);
    expect(texts().at(-1)).toMatch(/^Temporal at temporal\.shop:7233 turns calls away/);
  });
});

describe("the worker's log while workflow tasks are slow", () => {
  it('shows the first with what it means, then counts them a minute at a time', () => {
    const { lines, texts, clock, logger } = setUp();
    const meta = { workflowType: 'welcomeVoucherJourney', workflowTaskDuration: 6210 };
    for (let i = 0; i < 400; i++) {
      clock.now += 250;
      logger.warn(slowTask(`run-${i}`), meta);
    }
    expect(texts()).toEqual([
      '[TMPRL1104] run-0:3:1 Workflow task duration exceeded 5 seconds (welcomeVoucherJourney, 6210 ms): ' +
        'workflow tasks run slowly, usually because the machine is saturated (see "Sizing a shop" in ' +
        'the README); further ones are counted, a line a minute',
      '240 more workflow tasks took over 5 s in the last minute (usually a saturated machine; see "Sizing a shop" in the README)',
    ]);
    expect(lines.map((l) => l.level)).toEqual(['WARN', 'WARN']);

    // The launch is over: the rest of the count, then a quiet minute ends the run.
    clock.now += SUMMARY_EVERY_MS;
    logger.repeated.tick();
    clock.now += SUMMARY_EVERY_MS;
    logger.repeated.tick();
    expect(texts().slice(2)).toEqual([
      '159 more workflow tasks took over 5 s in the last minute (usually a saturated machine; see "Sizing a shop" in the README)',
    ]);
    logger.warn(slowTask('next-launch'), meta);
    expect(texts().at(-1)).toMatch(/^\[TMPRL1104\] next-launch:3:1 .*usually because the machine/);
  });
});
