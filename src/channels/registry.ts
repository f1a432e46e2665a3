/**
 * The channels a send step can name. The built-in channels are listed here once, and the channel
 * names (`Channel`) come from this list; a worker (or a test) may add adapters of its own.
 *
 * Adding a channel: write its adapter (adapter.ts is the interface; adapters/sms.ts is a small
 * example), add it to BUILT_IN_CHANNELS with the settings it reads from the config, and send
 * through it with the `sendMessage` activity (`channel: '<name>'`).
 */
import type { ChannelAdapter } from './adapter.js';
import { createEmailChannel } from './adapters/email.js';
import { createSmsChannel } from './adapters/sms.js';
import type { RequestRate } from './rate-limit.js';
import type { EmailQueue } from './sending.js';
import type { EmailTemplate, SmsTemplate } from './templates.js';
import type { Channels } from './types.js';

/** What the built-in channels are made from. */
export interface ChannelDeps {
  /** The providers the configuration chooses (index.ts). */
  providers: Channels;
  config: { email: { from: string } };
  /** When set, emails go through the email sender's batches (the worker sets it for Resend). */
  emailQueue?: EmailQueue | undefined;
  /** When set, each SMS waits for a slot of this shared request rate. */
  smsRate?: RequestRate | undefined;
  /** Named templates besides (and over) the defaults. */
  templates?: { email?: Record<string, EmailTemplate>; sms?: Record<string, SmsTemplate> };
}

const BUILT_IN_CHANNELS = {
  email: (deps: ChannelDeps) =>
    createEmailChannel({
      provider: deps.providers.email,
      from: deps.config.email.from,
      queue: deps.emailQueue,
      templates: deps.templates?.email,
    }),
  sms: (deps: ChannelDeps) =>
    createSmsChannel({
      provider: deps.providers.sms,
      rate: deps.smsRate,
      templates: deps.templates?.sms,
    }),
} satisfies Record<string, (deps: ChannelDeps) => ChannelAdapter>;

/** A built-in channel's name. */
export type Channel = keyof typeof BUILT_IN_CHANNELS;

export const CHANNELS = Object.keys(BUILT_IN_CHANNELS) as Channel[];

export interface ChannelRegistry {
  /** The adapter of a channel, or undefined when no adapter has that name. */
  get(channel: string): ChannelAdapter | undefined;
  readonly names: readonly string[];
}

/** The built-in channels and the `extra` adapters, by name; a name may be taken once. */
export function createChannelRegistry(
  deps: ChannelDeps,
  extra: readonly ChannelAdapter[] = [],
): ChannelRegistry {
  const adapters = new Map<string, ChannelAdapter>();
  const builtIn = CHANNELS.map((name) => BUILT_IN_CHANNELS[name](deps) as ChannelAdapter);
  for (const adapter of [...builtIn, ...extra]) {
    if (adapters.has(adapter.channel))
      throw new Error(`two channel adapters are named ${JSON.stringify(adapter.channel)}`);
    adapters.set(adapter.channel, adapter);
  }
  return { get: (channel) => adapters.get(channel), names: [...adapters.keys()] };
}
