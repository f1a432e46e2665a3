/** The start banner ends up in captured logs: it shows keys masked, the secrets file has them whole. */
import { describe, expect, it } from 'vitest';
import { maskKey } from '../src/start.js';

describe('the start banner', () => {
  it('shows a key by its prefix and last four characters only', () => {
    expect(maskKey('bmr_op_Zx9_aB-cdEfGhIjKlMnOpQrStUvWx')).toBe('bmr_op_…UvWx');
    expect(maskKey('bmr_0123456789abcdef')).toBe('bmr_…cdef');
    expect(maskKey('a-key-from-the-environment')).toBe('…ment');
    expect(maskKey('short')).toBe('…');
  });
});
