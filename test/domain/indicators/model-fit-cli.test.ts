import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { fitSummaryFile, formatSummaryFit, summaryFitJson } from '../../../src/cli/model.js';
import { fitSummaryCsv, SummaryFileError } from '../../../src/domain/indicators/summary-csv.js';
import { fitBgNbd, type BgNbdObservation } from '../../../src/domain/indicators/bgnbd.js';
import {
  fitGammaGamma,
  type GammaGammaObservation,
} from '../../../src/domain/indicators/gamma-gamma.js';
import { cdnowSummaryPath, cdnowSummaryWithTransactionsPath } from '../../support/datasets.js';
import { mulberry32, simulateBgNbd, simulateGammaGamma } from './simulate.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boomerang-model-fit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Run `boomerang model fit …` through the real CLI entry point, capturing stdout, stderr and the exit code. */
async function runCli(
  args: string[],
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi
    .spyOn(console, 'log')
    .mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    const exitCode = await main(['model', 'fit', ...args]);
    return { stdout: out.join('\n'), stderr: err.join('\n'), exitCode };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('fitSummaryFile on a generated CSV', () => {
  // 1,500 simulated customers (days), with spend for the repeat buyers, plus broken rows.
  const truth = { r: 0.6, alpha: 25, a: 0.9, b: 3 };
  const customers = simulateBgNbd(truth, 1500, (_, rng) => Math.round(60 + 600 * rng()), 99);
  const spendTruth = { p: 5, q: 3, v: 40 };
  const spend = simulateGammaGamma(
    spendTruth,
    customers.length,
    (i) => Math.max(1, customers[i]!.frequency),
    7,
  );
  const rng = mulberry32(3);
  const good = customers.map((c, i) => ({
    id: `c${i}`,
    frequency: c.frequency,
    recency: c.recency,
    T: c.T,
    monetary_value: c.frequency > 0 ? spend[i]!.monetaryValue : 0,
    channel: rng() < 0.5 ? 'web' : 'shop', // an extra column, ignored
  }));
  // Columns in a different order than usual, to show they are found by name.
  const header = 'id,T,recency,channel,frequency,monetary_value';
  const row = (c: (typeof good)[number]) =>
    [c.id, c.T, c.recency, c.channel, c.frequency, c.monetary_value].join(',');
  // Each CSV line with what it should contribute to each fit, so the expected input keeps file order.
  type Entry = { text: string; purchases?: BgNbdObservation; spend?: GammaGammaObservation };
  const entries: Entry[] = [
    { text: header },
    ...good.map((c) => ({
      text: row(c),
      purchases: { frequency: c.frequency, recency: c.recency, T: c.T },
      spend:
        c.frequency > 0 ? { frequency: c.frequency, monetaryValue: c.monetary_value } : undefined,
    })),
  ];
  // Broken rows, inserted at known line numbers (line 1 is the header).
  entries.splice(5, 0, { text: 'bad1,10,3,web,1.5,20' }); // line 6: non-integer frequency
  entries.splice(9, 0, { text: 'bad2,10,12,web,2,20' }); // line 10: recency > T
  entries.splice(14, 0, { text: 'bad3,ten,3,web,2,20' }); // line 15: T not a number
  entries.splice(20, 0, { text: 'bad4,10,3' }); // line 21: too few fields
  // line 31: negative spend: still a valid purchase history, left out of Gamma-Gamma only.
  entries.splice(30, 0, {
    text: 'bad5,10,3,web,2,-4',
    purchases: { frequency: 2, recency: 3, T: 10 },
  });
  const lines = entries.map((e) => e.text);
  const expectedPurchaseRows = entries.flatMap((e) => (e.purchases ? [e.purchases] : []));
  const expectedSpendRows = entries.flatMap((e) => (e.spend ? [e.spend] : []));
  const csv = `${lines.join('\n')}\n`;

  it('skips and reports bad rows, fits the rest exactly as the API does', async () => {
    const file = join(dir, 'generated.csv');
    await writeFile(file, csv);
    const fit = await fitSummaryFile(file);
    expect(fit.issues.map((i) => i.line)).toEqual([6, 10, 15, 21, 31]);
    expect(fit.issues[0]!.reason).toMatch(/frequency must be a non-negative integer/);
    expect(fit.issues[1]!.reason).toMatch(/must not exceed T/);
    expect(fit.issues[2]!.reason).toMatch(/T is not a number \("ten"\)/);
    expect(fit.issues[3]!.reason).toMatch(/expected 6 fields, found 3/);
    expect(fit.issues[4]!.reason).toMatch(/monetary_value must be a number > 0/);

    // All good rows plus bad5 (valid for BG/NBD) went into the purchase model.
    expect(fit.n).toBe(good.length + 1);
    // The numbers survive the CSV round trip exactly, so the fits are bit-for-bit the API's.
    const direct = fitBgNbd(expectedPurchaseRows);
    expect(fit.bgnbd).toEqual(direct);
    const directSpend = fitGammaGamma(expectedSpendRows);
    expect(fit.gammaGamma).toEqual(directSpend);
    expect(fit.gammaGamma!.n).toBe(good.filter((c) => c.frequency > 0).length);
    // And the estimates are in the neighbourhood of the truth (1,500 customers: loose bounds).
    expect(fit.bgnbd.r).toBeGreaterThan(0.4);
    expect(fit.bgnbd.r).toBeLessThan(0.9);
  });

  it('omits Gamma-Gamma when there is no monetary_value column', () => {
    const fit = fitSummaryCsv('frequency,recency,T\n0,0,30\n2,10,30\n1,5,20\n3,25,40\n0,0,12\n');
    expect(fit.gammaGamma).toBeNull();
    expect(Object.keys(summaryFitJson(fit))).toEqual(['n', 'bgnbd']);
    expect(formatSummaryFit(fit)).toContain('Gamma-Gamma not fitted');
  });

  it('reads CRLF, LF and mixed line endings alike, with a BOM', () => {
    const rows = ['frequency,recency,T', '0,0,30', '2,10,30', '1,5,20', '3,25,40', '0,0,12'];
    const lf = fitSummaryCsv(rows.join('\n'));
    const crlf = fitSummaryCsv(`\ufeff${rows.join('\r\n')}\r\n`);
    const mixed = fitSummaryCsv(`${rows.slice(0, 3).join('\r\n')}\r\n${rows.slice(3).join('\n')}`);
    for (const fit of [crlf, mixed]) {
      expect(fit.n).toBe(5);
      expect(fit.issues).toEqual([]);
      expect(fit.bgnbd).toEqual(lf.bgnbd);
    }
  });

  it('fails clearly when a required column is missing', async () => {
    expect(() => fitSummaryCsv('frequency,T,monetary_value\n1,10,5\n', 'x.csv')).toThrow(
      SummaryFileError,
    );
    expect(() => fitSummaryCsv('frequency,T,monetary_value\n1,10,5\n', 'x.csv')).toThrow(
      /x\.csv: missing required column recency/,
    );
    expect(() => fitSummaryCsv('')).toThrow(/empty file/);
    await expect(fitSummaryFile(join(dir, 'does-not-exist.csv'))).rejects.toThrow(/cannot read/);
  });

  it('`model fit --json` prints exactly n, bgnbd {r, alpha, a, b}, gammaGamma {p, q, v}', async () => {
    const file = join(dir, 'generated-cli.csv');
    await writeFile(file, csv);
    const { stdout, stderr, exitCode } = await runCli(['--summary', file, '--json']);
    expect(exitCode).toBe(0);
    const json = JSON.parse(stdout) as Record<string, Record<string, number>>;
    expect(Object.keys(json)).toEqual(['n', 'bgnbd', 'gammaGamma']);
    expect(Object.keys(json.bgnbd!)).toEqual(['r', 'alpha', 'a', 'b']);
    expect(Object.keys(json.gammaGamma!)).toEqual(['p', 'q', 'v']);
    expect(json.n).toBe(good.length + 1);
    // Bad rows are reported on stderr with their line numbers, keeping stdout parseable.
    expect(stderr).toContain(`${file}:6: frequency must be a non-negative integer`);
    expect(stderr.split('\n')).toHaveLength(5);
  });

  it('`model fit` prints a table, and exits 1 with a message when columns are missing', async () => {
    const file = join(dir, 'generated-table.csv');
    await writeFile(file, csv);
    const table = await runCli(['--summary', file]);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(/BG\/NBD .*1501 customers/);
    expect(table.stdout).toMatch(/^\s+alpha\s+\d/m);
    expect(table.stdout).toMatch(/Gamma-Gamma .* customers with repeat purchases/);

    const broken = join(dir, 'broken.csv');
    await writeFile(broken, 'customer,freq,rec,T\n1,2,3,4\n');
    const failed = await runCli(['--summary', broken]);
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(/missing required columns frequency, recency/);
  });
});

describe('fitSummaryFile on CDNOW', () => {
  it('fits the summary file (no monetary column) to the published BG/NBD estimates', async () => {
    const fit = await fitSummaryFile(await cdnowSummaryPath());
    expect(fit.issues).toEqual([]);
    expect(fit.n).toBe(2357);
    expect(fit.gammaGamma).toBeNull();
    const { r, alpha, a, b } = fit.bgnbd;
    expect([r, alpha, a, b].map((x) => x.toFixed(3))).toEqual(['0.243', '4.414', '0.793', '2.426']);
  }, 120_000);

  it('fits both models from the per-customer file with spend', async () => {
    // The lifetimes file names the columns x, t_x, zbar; write them under the summary names.
    const text = await readFile(await cdnowSummaryWithTransactionsPath(), 'utf8');
    const [, ...rows] = text.trim().split(/\r?\n/);
    const file = join(dir, 'cdnow-with-spend.csv');
    await writeFile(file, ['ID,frequency,recency,T,monetary_value', ...rows].join('\n'));
    const { stdout, exitCode } = await runCli(['--summary', file, '--json']);
    expect(exitCode).toBe(0);
    const json = JSON.parse(stdout) as {
      n: number;
      bgnbd: Record<string, number>;
      gammaGamma: Record<string, number>;
    };
    expect(json.n).toBe(2357);
    expect(json.bgnbd.r!.toFixed(3)).toBe('0.243');
    expect(json.bgnbd.b!.toFixed(3)).toBe('2.426');
    expect(json.gammaGamma.p!.toFixed(2)).toBe('6.25');
    expect(json.gammaGamma.q!.toFixed(2)).toBe('3.74');
    expect(Math.abs(json.gammaGamma.v! - 15.44)).toBeLessThan(0.01);
  }, 120_000);
});
