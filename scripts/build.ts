import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { writeConsoleBundle } from '../gateway/console.js';
import { apolloManifest, committedManifest, MANIFEST_PATH, manifestOfDocuments } from './operation-manifest.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * `npm run build`: compiles the services to dist/ (tsconfig.build.json) and copies the schema files
 * they read at start, so that `node dist/gateway/main.js` (and every other main) runs without tsx.
 * The gateway's safelist is built from clients/**\/*.graphql here too: a build whose committed
 * manifest differs from the documents fails rather than ship a safelist the clients do not match.
 * The staff console (`console/`) is bundled into dist/console/bundle/ for the gateway to serve.
 */
export async function build(): Promise<void> {
  const manifest = await manifestOfDocuments();
  if (!isDeepStrictEqual(manifest, await committedManifest())) throw new Error(`${MANIFEST_PATH} differs from clients/**/*.graphql: run \`npm run codegen\``);
  rmSync(`${ROOT}dist`, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', `${ROOT}tsconfig.build.json`], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`tsc exited with ${result.status}`);
  cpSync(`${ROOT}schema`, `${ROOT}dist/schema`, { recursive: true });
  cpSync(`${ROOT}${MANIFEST_PATH}`, `${ROOT}dist/${MANIFEST_PATH}`);
  writeFileSync(`${ROOT}dist/clients/persisted-query-manifest.json`, `${JSON.stringify(apolloManifest(manifest), null, 2)}\n`);
  // The staff console, bundled now: the compiled gateway serves these files and needs no esbuild.
  await writeConsoleBundle(`${ROOT}dist`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await build();
