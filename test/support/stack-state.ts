/** The stack.json of a `npm start` running in this process, for tests of what finds it. */
import type { StackState } from '../../src/provision/local-state.js';

export const RUNNING_STACK: StackState = {
  pid: process.pid,
  databaseUrl: 'postgres://boomerang_app:secret@localhost:5999/boomerang',
  temporalAddress: 'localhost:7999',
  temporalNamespace: 'default',
  temporalUiUrl: 'http://localhost:8999',
  httpUrl: 'http://localhost:13000',
  publicUrl: 'http://localhost:13000',
};
