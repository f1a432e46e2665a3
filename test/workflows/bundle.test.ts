/**
 * The workflow bundle every worker runs (the one the test setup builds from src/workflows). Each
 * new workflow evaluates the bundle's modules again in its sandbox, so a library that workflow
 * code reaches through a value import is paid for by every journey: zod, pulled in once through
 * a constant beside a schema, built its schemas for each of them and slowed the checkout
 * benchmark's workflow tasks past five seconds.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../support/temporal.js';

/** The packages under node_modules whose modules the bundle holds. */
function bundledPackages(code: string): string[] {
  const names = [...code.matchAll(/"\.\/node_modules\/((?:@[^/"]+\/)?[^/"]+)\//g)].map(
    (m) => m[1]!,
  );
  return [...new Set(names)].sort();
}

describe('workflow bundle', () => {
  it("holds no package but the Temporal SDK's workflow side and what it needs", () => {
    const code = readFileSync(workflowBundle().codePath, 'utf8');
    expect(bundledPackages(code)).toEqual([
      '@temporalio/common',
      '@temporalio/workflow',
      'long',
      'ms',
      'nexus-rpc',
    ]);
  });
});
