import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../platform/config.js';
import { nodeServices, readCompose, REPO_ROOT } from './docker/compose-file.js';
import { dockerignoreRules, parseDockerfile } from './docker/reproduce-image.js';

/**
 * docker-compose.yml and the Dockerfile as committed: what `docker compose up` does cannot run
 * here (no daemon), so what it would do is read from the files. test/docker-image.int.test.ts
 * builds the image's stages and starts its services.
 */

const services = readCompose();
const node = nodeServices(services);
const stages = parseDockerfile(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
const runtime = stages.at(-1)!;

/** What each service calls, read from its code: it must not start before these are healthy. */
const NEEDS: Record<string, string[]> = {
  emulators: ['postgres'],
  customer: ['postgres', 'emulators'],
  inventory: ['postgres', 'emulators'],
  loyalty: ['postgres', 'emulators', 'customer'],
  order: ['postgres', 'emulators', 'customer', 'inventory'],
  gateway: ['postgres', 'customer', 'order', 'loyalty', 'inventory', 'redis'],
};

/** Settings whose value is a secret: never a literal in the compose file. */
const SECRET = /SECRET|PASSWORD|API_KEY|TOKEN/;

function envFile(path: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(join(REPO_ROOT, path), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('docker-compose.yml', () => {
  it('gives every service a health check', () => {
    const without = Object.entries(services).filter(([, s]) => !s.healthcheck?.test?.length || s.healthcheck.disable).map(([name]) => name);
    expect(without).toEqual([]);
    // The Node services ask with the image's own HEALTHCHECK, each at the URL it names.
    for (const [, service] of node) {
      expect(service.healthcheck!.test).toEqual(['CMD', ...runtime.healthcheck!]);
      expect(String(service.environment?.HEALTH_URL)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    }
  });

  it('starts each service only once what it calls is healthy', () => {
    const waits = Object.fromEntries(
      node.map(([name, s]) => {
        const dependsOn = s.depends_on ?? {};
        expect(Array.isArray(dependsOn), `${name}: depends_on as a list waits only for a start`).toBe(false);
        const map = dependsOn as Record<string, { condition?: string }>;
        expect(Object.values(map).map((d) => d.condition).filter((c) => c !== 'service_healthy')).toEqual([]);
        return [name, Object.keys(map).sort()];
      }),
    );
    expect(waits).toEqual(Object.fromEntries(Object.entries(NEEDS).map(([name, needs]) => [name, [...needs].sort()])));
  });

  it('runs in production mode, with every secret from the env file and none written in the file', () => {
    for (const [name, service] of node) {
      expect(service.environment?.NODE_ENV, name).toBe('production');
      expect(service.env_file, name).toBe('.env');
      for (const key of ['JWT_SECRET', 'GATEWAY_IDENTITY_SECRET', 'JWT_ISSUER', 'JWT_AUDIENCE']) expect(service.environment, `${name}: ${key} comes from .env`).not.toHaveProperty(key);
      expect(String(service.environment?.DATABASE_URL)).toMatch(/^postgres:\/\/retail:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgres:5432\/retail$/);
    }
    const literals = Object.entries(services).flatMap(([name, s]) =>
      Object.entries(s.environment ?? {}).flatMap(([key, value]) => (SECRET.test(key) && !/^\$\{[A-Z_]+(:\?[^}]*)?\}$/.test(String(value)) ? [`${name}.${key}`] : [])),
    );
    expect(literals).toEqual([]);
  });

  it('keeps two replicas of each subgraph and a stop grace longer than the services’ drain', () => {
    const replicas = Object.fromEntries(node.map(([name, s]) => [name, s.deploy?.replicas ?? 1]));
    expect(replicas).toEqual({ emulators: 1, customer: 2, inventory: 2, loyalty: 2, order: 2, gateway: 1 });
    const graceMs = loadConfig({}).SHUTDOWN_GRACE_MS;
    for (const [name, s] of node) expect(Number(/^(\d+)s$/.exec(s.stop_grace_period ?? '')?.[1]) * 1000, name).toBeGreaterThan(graceMs);
  });
});

describe('.env.example', () => {
  const example = envFile('.env.example');

  it('names every secret compose needs, empty, so that copied unchanged nothing starts', () => {
    for (const key of ['POSTGRES_PASSWORD', 'JWT_SECRET', 'JWT_ISSUER', 'JWT_AUDIENCE', 'GATEWAY_IDENTITY_SECRET']) expect(example[key], key).toBe('');
    expect(() => loadConfig({ ...example, NODE_ENV: 'production' })).toThrow(/JWT_SECRET[\s\S]*GATEWAY_IDENTITY_SECRET|GATEWAY_IDENTITY_SECRET[\s\S]*JWT_SECRET/);
  });

  it('is the only env file committed: .env is ignored by git and never enters the image', () => {
    expect(readFileSync(join(REPO_ROOT, '.gitignore'), 'utf8').split('\n')).toContain('.env');
    const dockerignore = dockerignoreRules(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8'));
    expect(['.env', '.env.local', '.env.example'].filter((f) => !dockerignore.ignores(f))).toEqual([]);
  });
});

describe('Dockerfile', () => {
  it('builds in one stage and runs another: production dependencies only, a non-root user, a health check', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const installs = (stage: (typeof stages)[number]) => stage.steps.flatMap((s) => (s.kind === 'run' && /^npm ci\b/.test(s.command) ? [s.command] : []));
    expect(installs(runtime)).toEqual([expect.stringMatching(/--omit=dev\b/)]);
    // The runtime stage copies the compiled build, not the sources.
    const copies = runtime.steps.flatMap((s) => (s.kind === 'copy' ? [s] : []));
    expect(copies.filter((c) => c.from === undefined).flatMap((c) => c.sources)).toEqual(['package.json', 'package-lock.json']);
    expect(copies.filter((c) => c.from !== undefined).flatMap((c) => c.sources)).toEqual(['/app/dist']);
    expect(runtime.user).toBeDefined();
    expect(['root', '0']).not.toContain(runtime.user!.split(':')[0]);
    expect(runtime.env.NODE_ENV).toBe('production');
    expect(runtime.healthcheck).toEqual(['node', 'dist/scripts/healthcheck.js']);
  });
});
