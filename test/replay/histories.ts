/** Recorded workflow histories: committed fixtures, named after the behaviour they pin. */
import fs from 'node:fs/promises';
import path from 'node:path';
import proto from '@temporalio/proto';

const { temporal } = proto;

export const HISTORIES_DIR = path.join(
  path.dirname(new URL(import.meta.url).pathname),
  'histories',
);

export async function loadHistory(name: string): Promise<proto.temporal.api.history.v1.IHistory> {
  // Written with JSON.stringify of the protobuf message (its toJSON form); fromObject reads it back.
  return temporal.api.history.v1.History.fromObject(
    JSON.parse(await fs.readFile(path.join(HISTORIES_DIR, `${name}.json`), 'utf8')),
  );
}

export async function historyNames(): Promise<string[]> {
  return (await fs.readdir(HISTORIES_DIR))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}
