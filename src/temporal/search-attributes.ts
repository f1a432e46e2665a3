/** Registers Boomerang's custom search attributes on a server that does not have them yet. */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { BOOMERANG_SEARCH_ATTRIBUTES } from '../domain/search-attributes.js';

// @temporalio/proto is CommonJS: Node's ESM loader sees only its default export.
const { IndexedValueType } = proto.temporal.api.enums.v1;

export async function registerSearchAttributes(
  client: Client,
  namespace: string,
): Promise<string[]> {
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = BOOMERANG_SEARCH_ATTRIBUTES.filter(
    (key) => !(key.name in (existing.customAttributes ?? {})),
  );
  if (missing.length === 0) return [];
  await client.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((key) => [key.name, IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]]),
    ),
  });
  return missing.map((key) => key.name);
}

/** `--search-attribute` flags for `temporal server start-dev`. */
export function devServerSearchAttributeFlags(): string[] {
  const cliType: Record<string, string> = {
    KEYWORD: 'Keyword',
    TEXT: 'Text',
    INT: 'Int',
    DOUBLE: 'Double',
    BOOL: 'Bool',
    DATETIME: 'Datetime',
    KEYWORD_LIST: 'KeywordList',
  };
  return BOOMERANG_SEARCH_ATTRIBUTES.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${cliType[key.type]}`,
  ]);
}
