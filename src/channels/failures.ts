/** The ApplicationFailure types the send path throws (besides the providers' own). */
import { ApplicationFailure } from '@temporalio/common';

export const MESSAGING_FAILURE = {
  missingSigningSecret: 'MissingSigningSecret',
  unknownTemplate: 'UnknownTemplate',
  templateError: 'TemplateError',
  invalidInput: 'InvalidMessageInput',
  /** A previous attempt of this step was refused by the provider for good. */
  previouslyFailed: 'MessagePreviouslyFailed',
  /** The email waits in the sender's queue longer than one attempt: the next attempt waits on. */
  stillQueued: 'MessageStillQueued',
} as const;

export function nonRetryable(message: string, type: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}
