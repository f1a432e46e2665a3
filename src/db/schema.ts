/**
 * Row types of every table and the Database type that joins them (kysely's habit).
 * Keep in step with migrations/.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** The walking skeleton's side effect: one row per greeting step, keyed for idempotency. */
export interface GreetingsTable {
  id: Generated<string>;
  idempotency_key: string;
  workflow_id: string;
  name: string;
  message: string;
  created_at: Generated<Timestamp>;
}
export type Greeting = Selectable<GreetingsTable>;
export type NewGreeting = Insertable<GreetingsTable>;

export interface Database {
  greetings: GreetingsTable;
}
