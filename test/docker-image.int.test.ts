import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountPageDocument } from '../clients/__generated__/graphql.js';
import { demoExternalId } from '../emulators/seed/demo-ids.js';
import { demoPerson } from '../emulators/seed/demo-people.js';
import { loadConfig } from '../platform/config.js';
import { eventually } from './support/graph-process.js';
import { startProcessGraph, type ProcessGraph, type ServiceName } from './support/process-graph.js';
import { nodeServices, readCompose, REPO_ROOT } from './docker/compose-file.js';
import { makeBuildContext, parseDockerfile, reproduceImage, type ReproducedStage } from './docker/reproduce-image.js';

/**
 * The image without a Docker daemon: the build context as `.dockerignore` leaves it, the
 * Dockerfile's stages done step by step on it (test/docker/reproduce-image.ts), then the compiled
 * services started from the runtime stage alone — its production dependencies and `dist/`, nothing
 * of this checkout — in production mode, as compose starts them. A file the image needs that the
 * context leaves out fails here, not on the first `docker compose up`.
 */

const stages = parseDockerfile(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
const dockerignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8');
const runtimeStage = stages.at(-1)!;

/**
 * In memory where a tmpfs has room (4 GB): two installs' tens of thousands of files are written and
 * deleted there in seconds, on a busy disk in minutes.
 */
function scratchRoot(): string {
  if (!existsSync('/dev/shm')) return tmpdir();
  const { bavail, bsize } = statfsSync('/dev/shm');
  return bavail * bsize > 4 * 1024 ** 3 ? '/dev/shm' : tmpdir();
}

let work: string;
let built: Record<string, ReproducedStage>;
let runtimeDir: string;

beforeAll(async () => {
  work = mkdtempSync(join(scratchRoot(), 'retail-graph-image-'));
  const context = join(work, 'context');
  makeBuildContext(REPO_ROOT, dockerignore, context);
  built = await reproduceImage(stages, { context, into: join(work, 'image'), log: (line) => console.log(`image: ${line}`) });
  const runtime = built[runtimeStage.name]!;
  runtimeDir = join(runtime.root, runtime.workdir);
}, 1_200_000);

afterAll(async () => {
  // Two installs' worth of files (the third build links the first's node_modules): rm(1) is faster at it than fs.rm.
  if (work) await new Promise((resolve) => spawn('rm', ['-rf', work], { stdio: 'ignore' }).once('exit', resolve));
}, 600_000);

/** Runs the runtime stage's HEALTHCHECK command where the image would, with the URL a service names. */
function healthcheck(healthUrl: string): Promise<{ code: number | null; output: string }> {
  const [command, ...args] = runtimeStage.healthcheck!;
  return new Promise((resolve, reject) => {
    const child = spawn(command === 'node' ? process.execPath : command!, args, { cwd: runtimeDir, env: { PATH: process.env.PATH ?? '', HEALTH_URL: healthUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('the image, built from its context without a daemon', () => {
  it('runs on production dependencies only: nothing only a devDependency needs is in the runtime stage', () => {
    expect(existsSync(join(runtimeDir, 'dist/gateway/main.js'))).toBe(true);
    // What the lockfile marks `dev`: reached only from devDependencies (typescript, vitest, codegen, Hive Gateway…).
    const lock = JSON.parse(readFileSync(join(runtimeDir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).flatMap(([path, entry]) => (path && entry.dev ? [path] : []));
    expect(devOnly).toEqual(expect.arrayContaining(['node_modules/typescript', 'node_modules/vitest']));
    expect(devOnly.filter((path) => existsSync(join(runtimeDir, path)))).toEqual([]);
    // …and the sources are not there either: only what was compiled.
    expect(existsSync(join(runtimeDir, 'platform'))).toBe(false);
  });

  describe.skipIf(!process.env.DATABASE_URL)('its services, as compose starts them (separate processes need DATABASE_URL: a real Postgres)', () => {
    let graph: ProcessGraph;
    const production = {
      ...runtimeStage.env,
      JWT_SECRET: randomBytes(32).toString('base64url'),
      GATEWAY_IDENTITY_SECRET: randomBytes(32).toString('base64url'),
      JWT_ISSUER: 'https://id.retail.example',
      JWT_AUDIENCE: 'retail-graph',
    };

    beforeAll(async () => {
      graph = await startProcessGraph(production, { root: runtimeDir });
    }, 300_000);

    afterAll(async () => {
      await graph?.close();
    });

    it('start in production mode from the runtime stage and answer the account page through the gateway', async () => {
      expect(graph.env.NODE_ENV).toBe('production');
      const customerId = demoExternalId(1);
      const token = await graph.customerToken(customerId);
      // The customer subgraph learns the demo customers from RetailCRM's history: poll until it has.
      const page = await eventually('the account page', async () => {
        const result = await graph.gql(print(AccountPageDocument), { first: 5 }, token);
        return result.data?.me?.loyalty ? result : undefined;
      });
      expect(page.errors).toBeUndefined();
      expect(page.data.me).toMatchObject({ id: customerId, phone: `+${demoPerson(1).phoneDigits}`, orders: { totalCount: expect.any(Number) } });
      expect(page.data.me.loyalty.cardNumber).toEqual(expect.any(String));
      // Production's profile: no introspection for anyone.
      const introspection = await graph.gql('{ __schema { queryType { name } } }', {}, await graph.staffToken('admin'));
      expect(introspection.errors?.length).toBeGreaterThan(0);
    }, 120_000);

    it('answers healthy for every service through the image’s HEALTHCHECK with the URL compose gives it, and unhealthy for one that is down', async () => {
      // compose's HEALTH_URLs name the default ports; here every service listens on a free one.
      const defaults = loadConfig({});
      const portOf = new Map(Object.entries(defaults).flatMap(([key, value]) => (key.endsWith('_PORT') && graph.env[key] ? [[String(value), graph.env[key]!]] : [])));
      const urlHere = (composeUrl: string) =>
        composeUrl
          .split(',')
          .map((u) => {
            const url = new URL(u.trim());
            url.port = portOf.get(url.port) ?? url.port;
            return url.toString();
          })
          .join(',');
      const services = nodeServices(readCompose());
      expect(services.map(([name]) => name).sort()).toEqual(['customer', 'emulators', 'gateway', 'inventory', 'loyalty', 'order']);
      const answers: Record<string, number | null> = {};
      for (const [name, service] of services) {
        const healthUrl = String(service.environment?.HEALTH_URL ?? runtimeStage.env.HEALTH_URL);
        const { code, output } = await healthcheck(urlHere(healthUrl));
        answers[name] = code;
        console.log(`health ${name}: ${output.trim()}`);
      }
      expect(answers).toEqual({ emulators: 0, customer: 0, inventory: 0, loyalty: 0, order: 0, gateway: 0 });

      await graph.kill('inventory' satisfies ServiceName);
      const inventory = services.find(([name]) => name === 'inventory')![1];
      const down = await healthcheck(urlHere(String(inventory.environment!.HEALTH_URL)));
      expect(down.code).toBe(1);
      expect(down.output).toMatch(/ECONNREFUSED|fetch failed/);
    }, 120_000);
  });

  it('fails to build from a context whose .dockerignore leaves out a source file the build needs', async () => {
    const buildStage = runtimeStage.steps.flatMap((s) => (s.kind === 'copy' && s.from ? [s.from] : []))[0]!;
    // From the context already made, so that it differs from it by that one file only.
    const context = join(work, 'context-without-config');
    const copied = makeBuildContext(join(work, 'context'), `${dockerignore}\nplatform/config.ts\n`, context);
    expect(copied).not.toContain('platform/config.ts');
    // The same package files: the install is the earlier build's (as Docker's layer cache), the build runs again.
    const attempt = reproduceImage(stages, { context, into: join(work, 'image-without-config'), target: buildStage, cached: built });
    await expect(attempt).rejects.toThrow(/RUN npm run build exited with [1-9][\s\S]*Cannot find module '\.\/config\.js'/);
  }, 600_000);
});
