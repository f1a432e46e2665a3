import fs from 'node:fs';
import { it } from 'vitest';
import { parse } from 'csv-parse';
import { sql } from 'kysely';
import { validateContactInput, parseContactInput } from '../../src/domain/contacts.js';
import { upsertContacts } from '../../src/db/contacts.js';
import { createTestDatabase } from '../support/db.js';
it('bench4', async () => {
  const N = 200000;
  const lines = ['external_id,email,phone,first_name,country,tags,newsletter_status,sms_consent,registered_at'];
  for (let i = 0; i < N; i++) lines.push(`C${i},c${i}@example.com,+3461${String(i).padStart(7, '0')},Name${i},${['FR','ES','DE'][i%3]},${i%2?'vip;x':''},${i%3?'subscribed':'never'},${i%2},2023-01-${String(1 + i % 28).padStart(2,'0')}`);
  fs.writeFileSync('/tmp/c.csv', lines.join('\n'));
  let t = Date.now();
  const p = fs.createReadStream('/tmp/c.csv').pipe(parse({ bom: true, info: true, trim: true, skip_empty_lines: true, relax_column_count: true, skip_records_with_error: true }));
  const cols = ['externalId','email','phone','firstName','country','tags','newsletterStatus','smsConsent','registeredAt'];
  const inputs: any[] = [];
  let first = true;
  for await (const { record } of p as any) { if (first) { first = false; continue; } const raw: any = {}; record.forEach((v: string, i: number) => { if (v) raw[cols[i]!] = v; }); const r = validateContactInput(raw); if (r.ok) inputs.push(r.value); }
  console.log('parse+validate', inputs.length, Date.now() - t);
  const d = await createTestDatabase();
  t = Date.now();
  for (let k = 0; k < N; k += 1000) await upsertContacts(d.db, inputs.slice(k, k + 1000));
  console.log('upsert insert', Date.now() - t);
  await sql`ANALYZE contacts`.execute(d.db);
  t = Date.now();
  for (let k = 0; k < N; k += 1000) await upsertContacts(d.db, inputs.slice(k, k + 1000));
  console.log('upsert unchanged', Date.now() - t);
  await d.drop();
}, 600_000);
