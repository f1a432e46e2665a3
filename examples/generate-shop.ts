/**
 * Writes examples/data/contacts.csv and orders.csv: a small synthetic shop (deterministic, seeded)
 * for the README walkthrough. `npx tsx examples/generate-shop.ts [contacts]`.
 */
import fs from 'node:fs';
import path from 'node:path';

const count = Number(process.argv[2] ?? 1000);
let seed = 20261123;
const rng = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)]!;
// Spend has its own stream, so the contacts and order dates stay as they were before spend varied.
let spendSeed = 7_042_026;
const spendRng = () => {
  spendSeed = (spendSeed + 0x6d2b79f5) | 0;
  let t = Math.imul(spendSeed ^ (spendSeed >>> 15), 1 | spendSeed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
/** A standard normal draw (Box–Muller). */
const normal = () => Math.sqrt(-2 * Math.log(1 - spendRng())) * Math.cos(2 * Math.PI * spendRng());
const FIRST = [
  'Ada',
  'Grace',
  'Alan',
  'Marie',
  'Linus',
  'Lucía',
  'Hugo',
  'Léa',
  'Pablo',
  'Emma',
  'Jonas',
  'Sofía',
];
const LAST = [
  'García',
  'Martin',
  'Rossi',
  'Müller',
  'Dubois',
  'López',
  'Bernard',
  'Silva',
  'Novak',
  'Smith',
];
const PLACES = [
  { country: 'ES', tz: 'Europe/Madrid', locale: 'es-ES', phone: '+346' },
  { country: 'FR', tz: 'Europe/Paris', locale: 'fr-FR', phone: '+336' },
  { country: 'DE', tz: 'Europe/Berlin', locale: 'de-DE', phone: '+4915' },
  { country: 'GB', tz: 'Europe/London', locale: 'en-GB', phone: '+447' },
];
const now = Date.parse('2026-11-20T12:00:00Z');
const DAY = 86_400_000;
const contacts = [
  'external_id,email,phone,first_name,last_name,locale,timezone,country,tags,newsletter_status,sms_consent,registered_at',
];
const orders = ['order_id,customer_id,email,placed_at,total,currency,coupon_code,status'];
let orderNo = 1000;
for (let i = 1; i <= count; i++) {
  const place = pick(PLACES);
  const first = pick(FIRST);
  const last = pick(LAST);
  const hasPhone = rng() < 0.6;
  const registered = now - Math.floor(rng() * 900) * DAY;
  const status = rng() < 0.8 ? 'subscribed' : rng() < 0.5 ? 'unsubscribed' : 'never';
  const phone = hasPhone ? `${place.phone}${String(Math.floor(rng() * 1e8)).padStart(8, '0')}` : '';
  contacts.push(
    [
      `cus_${i}`,
      `${first}.${last}.${i}@example.com`
        .toLowerCase()
        .normalize('NFD')
        .replace(/[\u0300-\u036f]/g, ''),
      phone,
      first,
      last,
      place.locale,
      place.tz,
      place.country,
      rng() < 0.1 ? 'vip' : '',
      status,
      hasPhone && rng() < 0.7 ? 'true' : 'false',
      new Date(registered).toISOString(),
    ].join(','),
  );
  // Loyal customers buy often and recently; most buy once or twice; some lapsed loyal ones stopped.
  const kind = rng();
  const n =
    kind < 0.15
      ? 4 + Math.floor(rng() * 10)
      : kind < 0.25
        ? 3 + Math.floor(rng() * 5)
        : Math.floor(rng() * 3);
  // Each customer's typical basket: loyal ones spend more, and customers differ widely.
  const basket = (kind < 0.25 ? 90 : 40) * Math.exp(0.6 * normal());
  const span = kind < 0.15 ? 200 : 700;
  const offset = kind >= 0.15 && kind < 0.25 ? 240 : 0; // lapsed: nothing in the last 8 months
  for (let k = 0; k < n; k++) {
    const placed =
      now - (offset + Math.floor(rng() * span)) * DAY - Math.floor(rng() * 86_400) * 1000;
    if (placed < registered) continue;
    // Around the customer's own typical basket, as in a real shop (Gamma-Gamma needs that to fit).
    const total = Math.max(3, basket * Math.exp(0.3 * normal())).toFixed(2);
    rng(); // the draw the spend once took from the main stream: the rest of the data stays as it was
    orders.push(
      [
        `ord_${orderNo++}`,
        `cus_${i}`,
        '',
        new Date(placed).toISOString(),
        total,
        'EUR',
        '',
        rng() < 0.04 ? 'refunded' : 'paid',
      ].join(','),
    );
  }
}
const dir = path.join(path.dirname(new URL(import.meta.url).pathname), 'data');
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'contacts.csv'), contacts.join('\n') + '\n');
fs.writeFileSync(path.join(dir, 'orders.csv'), orders.join('\n') + '\n');
console.log(`wrote ${count} contacts and ${orders.length - 1} orders to ${dir}`);
