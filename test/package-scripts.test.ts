/** Every file an npm script or the `boomerang` bin runs exists (a script pointing nowhere fails only when someone needs it). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';

const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  bin: Record<string, string>;
};

describe('package.json', () => {
  it.each(Object.entries(pkg.scripts))('script "%s" runs files that exist', (_name, command) => {
    for (const file of command.match(/\b(?:src|bench|bin|test)\/[\w./-]+\.(?:ts|js)\b/g) ?? [])
      expect(existsSync(path.join(PROJECT_ROOT, file)), file).toBe(true);
  });

  it('the boomerang bin and the file it imports exist', () => {
    const bin = path.join(PROJECT_ROOT, pkg.bin.boomerang!);
    const entry = /import\('(\.\.\/src\/[^']+)'\)/.exec(readFileSync(bin, 'utf8'))![1]!;
    expect(existsSync(path.resolve(path.dirname(bin), entry)), entry).toBe(true);
  });
});
