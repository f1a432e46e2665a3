/**
 * A process that installs a fake tool with installAtomically, as a provisioner does:
 *   tsx test/support/install-once.ts <finalDir> <ranFile> <goFile> [<takeoverGate>]
 * The build appends this pid to ranFile, then waits for goFile to exist before it finishes, so a
 * test decides when the build ends. Prints the result ('built' or 'cached') and the tool's text.
 * With takeoverGate, once it has said that it takes a dead lock over it waits for
 * `<takeoverGate>.<pid>` to exist, so a test decides when each process goes on.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { installAtomically, isExecutable } from '../../src/provision/tools.js';

const [finalDir, ranFile, goFile, takeoverGate] = process.argv.slice(2) as [
  string,
  string,
  string,
  string | undefined,
];
const pause = new Int32Array(new SharedArrayBuffer(4));
const log = (message: string) => {
  console.log(message);
  // The log is called synchronously between judging the lock and taking it over: waiting here
  // holds the takeover at that point.
  if (takeoverGate && /taking it over/.test(message))
    while (!existsSync(`${takeoverGate}.${process.pid}`)) Atomics.wait(pause, 0, 0, 50);
};
const tool = path.join(finalDir, 'tool');
const exists = (file: string) =>
  fs.access(file).then(
    () => true,
    () => false,
  );

const result = await installAtomically(
  finalDir,
  async (scratch) => {
    await fs.appendFile(ranFile, `${process.pid}\n`);
    while (!(await exists(goFile))) await new Promise((resolve) => setTimeout(resolve, 100));
    await fs.writeFile(path.join(scratch, 'tool'), `#!/bin/sh\necho built by ${process.pid}\n`, {
      mode: 0o755,
    });
  },
  { installed: () => isExecutable(tool), what: 'fake tool', log },
);
console.log(`result: ${result}`);
console.log(`tool: ${(await fs.readFile(tool, 'utf8')).trim().split('\n')[1]}`);
