/** `boomerang contact trace`: a send held by quiet hours or the cap says so in the current step. */
import { expect, it } from 'vitest';
import { currentStepText } from '../../src/cli/contact.js';

const step = (outcome?: string) => ({
  step: 'send',
  label: 'send email',
  at: '2026-12-07T14:45:21.511Z',
  ...(outcome ? { outcome } : {}),
});

it('shows what a held send waits for, as the README says, and only while it waits', () => {
  const waiting = 'waiting: quiet hours until 2026-12-08T03:00:00.000Z';
  expect(currentStepText({ currentStep: 'send', status: 'RUNNING', steps: [step(waiting)] })).toBe(
    `send (${waiting})`,
  );
  expect(currentStepText({ currentStep: 'send', status: 'RUNNING', steps: [step()] })).toBe('send');
  expect(currentStepText({ currentStep: 'end', status: 'COMPLETED', steps: [step('sent')] })).toBe(
    'end',
  );
  expect(currentStepText({ currentStep: null, status: 'RUNNING', steps: [] })).toBe('');
});
