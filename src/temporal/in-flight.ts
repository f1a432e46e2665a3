/**
 * Tracks the gRPC calls of a client connection until their final status, retries included.
 *
 * The SDK's retry interceptor retries a failed call from a timer; if the connection is closed
 * before that timer fires, the retry throws "Channel has been shut down" from the timer, which
 * no caller can catch, and the process dies after its work succeeded. A short-lived process (the
 * CLI) therefore waits for its calls to settle before it closes the connection.
 */
import { type Interceptor, InterceptingCall } from '@grpc/grpc-js';
import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';

export class InFlightCalls {
  private readonly pending = new Set<Promise<void>>();

  /** Outermost interceptor: sees a call start and its last status, after every retry. */
  private readonly track: Interceptor = (options, nextCall) => {
    let settle: () => void = () => {};
    const done = new Promise<void>((resolve) => (settle = resolve));
    this.pending.add(done);
    void done.then(() => this.pending.delete(done));
    return new InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        next(metadata, {
          onReceiveStatus(status, nextStatus) {
            settle();
            nextStatus(status);
          },
        });
      },
      cancel(next) {
        settle();
        next();
      },
    });
  };

  /** The interceptors for `Connection.connect`: the tracker around the SDK's default retries. */
  interceptors(): Interceptor[] {
    return [this.track, makeGrpcRetryInterceptor(defaultGrpcRetryOptions())];
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Resolves once no call is in flight (calls started meanwhile are waited for too), or after
   * `timeoutMs`: a forgotten long poll must not keep a finished command waiting for ever.
   */
  async settled(timeoutMs = 30_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    const drained = (async () => {
      while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    })();
    await Promise.race([drained, deadline]);
    clearTimeout(timer);
  }
}
