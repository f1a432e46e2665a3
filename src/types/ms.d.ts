// The one call we make of `ms` (its own types are not reachable through its package "exports"
// under NodeNext resolution).
declare module 'ms' {
  import type { StringValue } from '@temporalio/common';
  export type { StringValue };
  export default function ms(value: StringValue): number;
}
