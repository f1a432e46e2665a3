/** `npm run bench -- NAME [options]`: runs bench/NAME.ts (indicators, enroll, sends, models, scale, inbox, experiments, pressure, history, checkouts). */
const name = process.argv[2];
const known = [
  'indicators',
  'enroll',
  'sends',
  'models',
  'scale',
  'inbox',
  'experiments',
  'pressure',
  'history',
  'checkouts',
];
if (!name || !known.includes(name)) {
  console.error(`usage: npm run bench -- <${known.join('|')}> [options]`);
  process.exit(2);
}
process.argv.splice(2, 1);
await import(`./${name}.ts`);
