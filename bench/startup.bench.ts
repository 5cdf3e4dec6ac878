import { report } from './report.js';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from 'graphql';
import { CatalogueDocument, type CatalogueQuery } from '../clients/__generated__/graphql.js';

/**
 * Start-up: time from the README's start command (`npm start`) to the first answered query at the
 * gateway (the storefront's catalogue page, which an anonymous visitor opens first), on a fresh PGlite folder (migrations + demo seed) and again on the same folder (warm).
 * Ports are moved by 100 so a running graph does not interfere. Prints figures; asserts nothing.
 */
const PORTS = { GATEWAY_PORT: 4100 + 0, CUSTOMER_PORT: 4201, LOYALTY_PORT: 4203, RETAILCRM_EMULATOR_PORT: 4211, BONUSPLUS_EMULATOR_PORT: 4212 };
const QUERY_URL = `http://127.0.0.1:${PORTS.GATEWAY_PORT}/graphql`;
const FIRST_QUERY = JSON.stringify({ query: print(CatalogueDocument), variables: { first: 1 } });

async function firstAnswer(dataDir: string): Promise<number> {
  const started = performance.now();
  const child = spawn('npm', ['start'], {
    env: { ...process.env, ...Object.fromEntries(Object.entries(PORTS).map(([k, v]) => [k, String(v)])), PGLITE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
      if (performance.now() - started > 120_000) throw new Error('no answer within 120 s');
      try {
        const res = await fetch(QUERY_URL, { method: 'POST', headers: { 'content-type': 'application/json' }, body: FIRST_QUERY });
        if (res.ok && ((await res.json()) as { data?: CatalogueQuery }).data?.products) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await portsClosed();
  }
}

/** npm exits before its child: wait until nothing answers any more, or the next run would time the old graph. */
async function portsClosed(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(QUERY_URL, { method: 'POST', signal: AbortSignal.timeout(500) });
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the previous graph did not stop');
}

const dataDir = await mkdtemp(join(tmpdir(), 'retail-graph-startup-'));
try {
  await portsClosed();
  const cold = await firstAnswer(dataDir);
  const warm = await firstAnswer(dataDir);
  console.log('\nstart-up: `npm start` to the first answered query (target ≤ 15 s)');
  console.log(`| run | seconds |\n|---|---|\n| fresh data folder (migrations + seed) | ${(cold / 1000).toFixed(2)} |\n| same folder again | ${(warm / 1000).toFixed(2)} |`);
  report([
    { scenario: 'start-up (npm start → first answer, target ≤ 15 s)', target: 'fresh data folder', figures: { s: (cold / 1000).toFixed(2) } },
    { scenario: 'start-up (npm start → first answer, target ≤ 15 s)', target: 'same folder again', figures: { s: (warm / 1000).toFixed(2) } },
  ]);
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
