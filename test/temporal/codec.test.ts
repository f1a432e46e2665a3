import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCodecRoutes } from '../../src/http/codec.js';
import type { Handler } from '../../src/http/server.js';
import { AesGcmPayloadCodec, dataConverterFor } from '../../src/temporal/codec.js';
import { greetingWorkflow } from '../../src/workflows/greeting.js';
import { createTimeSkippingEnv } from '../support/temporal.js';
import { basicAuth, OPERATOR_KEY } from '../http/support.js';
import { type RouteServer, startRouteServer } from '../reports/route-server.js';

const key = randomBytes(32);
const codec = new AesGcmPayloadCodec(key);

describe('payload encryption', () => {
  it('round-trips payloads and leaves no readable contact data', async () => {
    const payload = defaultPayloadConverter.toPayload({
      email: 'ada@example.com',
      coupon: 'BACK-7K2M',
    });
    const [encrypted] = await codec.encode([payload]);
    expect(Buffer.from(encrypted!.data!).toString('latin1')).not.toContain('ada@example.com');
    expect(Buffer.from(encrypted!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    const [decrypted] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decrypted!)).toEqual({
      email: 'ada@example.com',
      coupon: 'BACK-7K2M',
    });
  });

  it('refuses a tampered payload, and names the key of one encrypted with another key', async () => {
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload('secret')]);
    const tampered = { ...encrypted!, data: Buffer.from(encrypted!.data!).fill(1, 20, 21) };
    await expect(codec.decode([tampered])).rejects.toThrow();
    await expect(new AesGcmPayloadCodec(randomBytes(32)).decode([encrypted!])).rejects.toThrow(
      /encrypted with key .* but PAYLOAD_ENCRYPTION_KEY is key/,
    );
  });

  it('without a key, reads plain payloads and names PAYLOAD_ENCRYPTION_KEY for encrypted ones', async () => {
    const [withoutKey] = dataConverterFor(undefined).payloadCodecs;
    const plain = defaultPayloadConverter.toPayload('plain');
    expect(await withoutKey!.decode([plain])).toEqual([plain]);
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload('secret')]);
    await expect(withoutKey!.decode([encrypted!])).rejects.toThrow(
      /encrypted, and PAYLOAD_ENCRYPTION_KEY is not set/,
    );
  });

  describe('in a workflow history, and through the Web UI codec endpoint', () => {
    let env: TestWorkflowEnvironment;
    let server: RouteServer;
    let base: string;
    beforeAll(async () => {
      env = await createTimeSkippingEnv();
      const routes = new Map<string, Handler>();
      registerCodecRoutes(routes, {
        codec,
        uiUrl: 'http://localhost:8233',
        operatorKey: OPERATOR_KEY,
      });
      server = await startRouteServer(routes);
      base = server.base;
    });
    afterAll(async () => {
      await server?.close();
      await env?.teardown();
    });

    it('stores the workflow input encrypted, and the endpoint decodes it for the UI origin only', async () => {
      const client = new Client({
        connection: env.connection,
        dataConverter: { payloadCodecs: [codec] },
      });
      const handle = await client.workflow.start(greetingWorkflow, {
        taskQueue: 'nobody-polls',
        workflowId: 'codec-test',
        args: [{ name: 'ada@example.com' }],
      });
      const history = await handle.fetchHistory();
      const input =
        history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
      expect(Buffer.from(input.data!).toString('latin1')).not.toContain('ada@example.com');

      const asJson = {
        metadata: Object.fromEntries(
          Object.entries(input.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
        ),
        data: Buffer.from(input.data!).toString('base64'),
      };
      const decode = (headers: Record<string, string>) =>
        fetch(`${base}/codec/decode`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
          body: JSON.stringify({ payloads: [asJson] }),
        });
      // Without credentials, nobody gets plaintext: neither a script (no Origin) nor the UI's page.
      for (const headers of [{}, { origin: 'http://localhost:8233' }] as Record<string, string>[]) {
        const anonymous = await decode(headers);
        expect(anonymous.status).toBe(401);
        expect(await anonymous.text()).not.toContain(asJson.data);
      }
      const wrong = await decode({ authorization: `Bearer ${OPERATOR_KEY}x` });
      expect(wrong.status).toBe(401);
      // The CORS preflight never carries credentials: it must be answered without them.
      const preflight = await fetch(`${base}/codec/decode`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://localhost:8233',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-namespace',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');

      // The UI with "include cross-origin credentials" sends the Basic credentials the browser holds.
      const res = await decode({
        origin: 'http://localhost:8233',
        ...basicAuth('operator', OPERATOR_KEY),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
      const [decoded] = ((await res.json()) as { payloads: { data: string }[] }).payloads;
      expect(JSON.parse(Buffer.from(decoded!.data, 'base64').toString())).toEqual({
        name: 'ada@example.com',
      });

      const foreign = await fetch(`${base}/codec/decode`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: 'https://evil.example',
          ...basicAuth('operator', OPERATOR_KEY),
        },
        body: JSON.stringify({ payloads: [asJson] }),
      });
      expect(foreign.status).toBe(403);
      await handle.terminate();
    });
  });
});
