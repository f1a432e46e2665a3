/** Rows as the rest of the code (and every `--json` output) names things: camelCase. */
type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

export type CamelCased<T> = { [K in keyof T as CamelCase<K & string>]: T[K] };

/** `orders_count` → `ordersCount`, `clv_12m` → `clv12m`. */
export function camelCaseKeys<T extends object>(row: T): CamelCased<T> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [
      k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
      v,
    ]),
  ) as CamelCased<T>;
}
