/**
 * The moment that crashed `boomerang campaign launch` after its success line: a call is still in
 * flight when the command ends, the loaded server drops the connection, and the SDK schedules a
 * retry. Closing the connection then makes that retry throw from its timer.
 *
 * CLOSE_MODE=`cli`: the CLI's own context (what every command closes at its end); `bare`: a plain connection
 * closed at once, as before the fix. Prints `call settled` and `exit clean` when nothing crashed.
 */
import { Connection } from '@temporalio/client';
import { CliContext } from '../../src/cli/context.js';
import { startSlowProxy } from './slow-proxy.js';

const mode = process.env.CLOSE_MODE;
const proxy = await startSlowProxy(process.env.UPSTREAM_TEMPORAL!, 300);
process.env.TEMPORAL_ADDRESS = proxy.address;

const ctx = new CliContext();
const connection =
  mode === 'cli'
    ? (await ctx.temporal()).connection
    : await Connection.connect({ address: proxy.address });
const call = connection.workflowService.getSystemInfo({}).then(
  () => console.log('call settled'),
  (err: Error) => console.log(`call failed: ${err.message}`),
);
// The answer is on its way when the connection drops: the SDK retries it after ~200 ms.
await new Promise((r) => setTimeout(r, 100));
proxy.dropConnections();
await new Promise((r) => setTimeout(r, 50));
if (mode === 'cli') await ctx.close();
else await connection.close();
await call;
// Long enough for any retry timer to fire.
await new Promise((r) => setTimeout(r, 2000));
await proxy.close();
console.log('exit clean');
