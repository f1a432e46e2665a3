/**
 * The recovered-checkouts section of `boomerang report` for a checkout flow: every checkout, then
 * treated vs held out and per send node (last touch), each with its uplift and 95% interval.
 */
import type {
  CheckoutRecoveryResults,
  RecoveryGroup,
} from '../domain/reports/checkout-recovery.js';
import { formatTable } from './format.js';

const int = (n: number): string => n.toLocaleString('en');
const percent = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

export function formatCheckoutRecovery(
  r: CheckoutRecoveryResults,
  money: (x: number | null) => string,
  formatUplift: (
    u: CheckoutRecoveryResults['recoveryRateUplift'],
    f: (x: number) => string,
    what: string,
  ) => string,
): string[] {
  const points = (x: number) => `${(x * 100).toFixed(1)} pts`;
  const row = (name: string, g: RecoveryGroup) => [
    name,
    int(g.checkouts),
    int(g.completed),
    int(g.recovered),
    percent(g.recoveryRate),
    g.recoveryRateInterval
      ? `${percent(g.recoveryRateInterval.low)}–${percent(g.recoveryRateInterval.high)}`
      : '—',
    money(g.recoveredRevenue),
    money(g.revenuePerCheckout),
  ];
  const headers = [
    'GROUP',
    'CHECKOUTS',
    'COMPLETED',
    'RECOVERED',
    'RATE',
    '95% CI',
    'REVENUE',
    'PER CHECKOUT',
  ];
  const out = [
    'Recovered checkouts (an order completing the checkout after its journey sent a message)',
    formatTable(headers, [
      row('treated', r.treated),
      row('held out', r.heldOut),
      row('all', r.all),
    ]),
    'Uplift (treated − held out)',
    `  ${formatUplift(r.recoveryRateUplift, points, 'recovery rate')}`,
    `  ${formatUplift(r.revenuePerCheckoutUplift, (x) => money(x), 'recovered revenue per checkout')}`,
  ];
  const foreign = r.all.recoveredInOtherCurrencies;
  if (foreign)
    out.push(`(${int(foreign)} recovered in another currency: counted, not added to revenue)`);
  if (r.bySendNode.length) {
    out.push('Per send node (last message before the order; CHECKOUTS: journeys it sent to)');
    out.push(
      formatTable(
        ['NODE', ...headers],
        r.bySendNode.flatMap((n) => [
          [`${n.node} (${n.channel})`, ...row('treated', n.treated)],
          ['', ...row('held out', n.heldOut)],
        ]),
      ),
    );
    for (const n of r.bySendNode)
      out.push(
        `  ${n.node}: ${formatUplift(n.recoveryRateUplift, points, 'recovery rate uplift')}`,
      );
  }
  return out;
}
