/** `boomerang coupons generate|import|status` on a test database: what an operator sees. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/db.js';
import { runCli } from './support.js';

describe('boomerang coupons', () => {
  const database = useTestDatabase();
  let dir: string;
  const csv = async (name: string, text: string) => {
    const file = path.join(dir, name);
    await fs.writeFile(file, text);
    return file;
  };

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-coupons-'));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('generates codes, imports a CSV (naming its bad rows) and counts each set', async () => {
    const generated = await runCli(database.url, [
      'coupons',
      'generate',
      'welcome-10',
      '--count',
      '5',
      '--prefix',
      'WELCOME-',
    ]);
    expect(generated).toMatchObject({
      code: 0,
      stdout: 'added 5 codes to coupon set "welcome-10"\n',
    });

    const file = await csv(
      'codes.csv',
      'Code,expires_at\nBACK-1,2099-01-01\nBACK-2,\n,2099-01-01\nBACK-3,someday\nBACK-1,\n',
    );
    const imported = await runCli(database.url, ['coupons', 'import', 'back', file]);
    expect(imported.code).toBe(1);
    expect(imported.stdout).toBe(
      'coupon set "back": 2 codes imported, 1 already present, 2 rejected\n',
    );
    expect(imported.stderr).toBe(
      `${file}: line 4: code is empty\n${file}: line 5: expires_at "someday" is not a date\n`,
    );

    const status = await runCli(database.url, ['coupons', 'status', '--json']);
    expect(
      (JSON.parse(status.stdout) as { setId: string; available: number; total: number }[]).map(
        (s) => [s.setId, s.available, s.total],
      ),
    ).toEqual([
      ['back', 2, 2],
      ['welcome-10', 5, 5],
    ]);
  });

  it('refuses an expiry in the past with exit code 2, naming --expires, and adds no codes', async () => {
    const past = await runCli(database.url, [
      'coupons',
      'generate',
      'expired',
      '--count',
      '5',
      '--expires',
      '2020-01-01',
    ]);
    expect(past).toMatchObject({
      code: 2,
      stdout: '',
      stderr:
        'boomerang: --expires: "2020-01-01" (2020-01-01T00:00:00.000Z) is in the past; the codes would be expired as they are added\n',
    });
    const status = await runCli(database.url, ['coupons', 'status', '--json']);
    expect((JSON.parse(status.stdout) as { setId: string }[]).map((s) => s.setId)).not.toContain(
      'expired',
    );

    const future = await runCli(database.url, [
      'coupons',
      'generate',
      'expires-later',
      '--count',
      '2',
      '--expires',
      '2099-01-01',
    ]);
    expect(future).toMatchObject({
      code: 0,
      stdout: 'added 2 codes to coupon set "expires-later"\n',
    });
  });

  it('refuses a bad set id or count with exit code 2, naming the argument or option', async () => {
    expect(
      await runCli(database.url, ['coupons', 'generate', 'Bad Set', '--count', '5']),
    ).toMatchObject({
      code: 2,
      stderr:
        'boomerang: coupon set "Bad Set": use lower-case letters, digits and dashes, e.g. "welcome-10"\n',
    });
    expect(
      await runCli(database.url, ['coupons', 'generate', 'many', '--count', '0']),
    ).toMatchObject({
      code: 2,
      stderr: 'boomerang: --count: must be a whole number from 1 to 10,000,000\n',
    });
    const file = await csv('one.csv', 'code\nONE-1\n');
    expect(await runCli(database.url, ['coupons', 'import', 'Bad Set', file])).toMatchObject({
      code: 2,
      stderr:
        'boomerang: coupon set "Bad Set": use lower-case letters, digits and dashes, e.g. "welcome-10"\n',
    });
  });

  it('prints the status table with a header over every column, the low-stock flag included', async () => {
    await runCli(database.url, ['coupons', 'generate', 'few-left', '--count', '3']);
    const status = await runCli(database.url, ['coupons', 'status']);
    expect(status.code).toBe(0);
    const [header, rule, ...rows] = status.stdout.trimEnd().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual([
      'set',
      'available',
      'assigned',
      'redeemed',
      'expired',
      'total',
      'stock',
    ]);
    expect(rule!.split(/\s+/)).toHaveLength(7);
    expect(rows.find((r) => r.startsWith('few-left'))).toMatch(/\s{2}LOW \(< \d+\)$/);
  });

  it('refuses a CSV without a code column, or that cannot be read, with exit code 2', async () => {
    const noCode = await csv('no-code.csv', 'coupon\nX-1\n');
    expect(await runCli(database.url, ['coupons', 'import', 'back', noCode])).toMatchObject({
      code: 2,
      stderr: `boomerang: ${noCode}: no "code" column in the header\n`,
    });
    const missing = path.join(dir, 'missing.csv');
    const unreadable = await runCli(database.url, ['coupons', 'import', 'back', missing]);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toMatch(`boomerang: cannot read ${missing}: ENOENT`);
  });
});
