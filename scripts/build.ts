import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * `npm run build`: compiles the services to dist/ (tsconfig.build.json) and copies the schema files
 * they read at start, so that `node dist/gateway/main.js` (and every other main) runs without tsx.
 */
export function build(): void {
  rmSync(`${ROOT}dist`, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', `${ROOT}tsconfig.build.json`], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`tsc exited with ${result.status}`);
  cpSync(`${ROOT}schema`, `${ROOT}dist/schema`, { recursive: true });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) build();
