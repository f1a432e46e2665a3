/** Reading JSON that came from outside (a webhook, a definition file): objects, text, field paths. */

export type JsonObject = Record<string, unknown>;

/** A plain object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string with something in it, trimmed; anything else (blank text included) is undefined. */
export function trimmedText(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/** A field's path as errors name it: `order.total`, `events[2].contact.email` ('' for the root). */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) =>
      typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key),
    '',
  );
}

/** What a schema (zod) says of one field; `keys` are the unknown fields of an object. */
export interface SchemaIssue {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  keys?: readonly string[];
}

/** Each problem of a definition as a user reads it: `nodes.wait-7d.duration: must be …`. */
export function describeSchemaIssues(issues: readonly SchemaIssue[]): string[] {
  return issues.map((issue) => {
    const where = formatPath(issue.path) || '(definition)';
    if (issue.code === 'unrecognized_keys' && issue.keys)
      return `${where}: unknown ${issue.keys.length === 1 ? 'field' : 'fields'} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    if (issue.code === 'invalid_type' && /received undefined/.test(issue.message))
      return `${where}: is required`;
    return `${where}: ${issue.message}`;
  });
}
