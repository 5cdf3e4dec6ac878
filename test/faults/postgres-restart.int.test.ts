import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogueDocument, ProductPageDocument } from '../../clients/__generated__/graphql.js';
import { ERROR_CODES } from '../../platform/errors.js';
import { freePort } from '../support/free-port.js';
import { startProcessGraph, type ProcessGraph } from '../support/process-graph.js';

/**
 * A real Postgres restart under the graph (separate processes), on a server of the test's own:
 * the shared server of the machine is not the test's to restart. Needs the machine's Postgres
 * binaries and its `postgres` user (initdb refuses to run as root); skipped where they are not.
 */

const BIN = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').map((v) => `/usr/lib/postgresql/${v}/bin`).find((b) => existsSync(`${b}/initdb`)) : undefined;
const asPostgres = (cmd: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' }).toString();
const canRun = (() => {
  if (!process.env.DATABASE_URL || !BIN) return false;
  try {
    execFileSync('id', ['postgres'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();

const KNOWN = new Set<string>(ERROR_CODES.filter((c) => c !== 'INTERNAL_SERVER_ERROR'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir: string;
let port: number;
let g: ProcessGraph | undefined;
const pgCtl = (...args: string[]) => asPostgres(`${BIN}/pg_ctl`, ['-D', join(dir, 'data'), '-w', ...args]);

describe.skipIf(!canRun)('a Postgres restart under the graph (its own server, real processes)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'retail-graph-pg-'));
    execFileSync('chown', ['postgres', dir]);
    port = await freePort();
    asPostgres(`${BIN}/initdb`, ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    pgCtl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', join(dir, 'log'), 'start');
    const shared = process.env.DATABASE_URL;
    process.env.DATABASE_URL = `postgres://postgres@127.0.0.1:${port}/postgres`;
    try {
      g = await startProcessGraph({ GATEWAY_SUBGRAPH_TIMEOUT_MS: '3000' });
    } finally {
      process.env.DATABASE_URL = shared;
    }
  }, 300_000);
  afterAll(async () => {
    await g?.close().catch(() => undefined);
    try {
      pgCtl('-m', 'immediate', 'stop');
    } catch {
      // already stopped
    }
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('no process exits, errors are typed and only around the restart, and ≥ 99 % succeed after it', async () => {
    const graph = g!;
    // The storefront's catalogue, then its product page as the load: each reads the inventory's tables.
    let article: string | undefined;
    for (let i = 0; i < 240 && !article; i++) {
      article = (await graph.gql(CatalogueDocument, { first: 1 })).data?.products?.edges?.[0]?.node?.article;
      if (!article) await sleep(500);
    }
    expect(article).toBeTruthy();
    const query = () => graph.gql(ProductPageDocument, { article: article! });
    let stop = false;
    const results: { at: number; ok: boolean; typed: boolean }[] = [];
    const workers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const at = Date.now();
        const r = await query().catch(() => ({ status: 599, errors: [{ message: 'client', extensions: { code: 'CLIENT_FAILED' } }] }));
        const codes = (r.errors ?? []).map((e) => e.extensions?.code ?? 'NONE');
        results.push({ at, ok: !r.errors, typed: r.status < 500 && codes.every((c) => KNOWN.has(c)) });
      }
    });
    await sleep(1_000);
    const restartAt = Date.now();
    pgCtl('-m', 'fast', 'restart', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', join(dir, 'log'));
    const backAt = Date.now();
    await sleep(3_000);
    stop = true;
    await Promise.all(workers);
    const failed = results.filter((r) => !r.ok);
    const after = await Promise.all(Array.from({ length: 100 }, () => query()));
    const okAfter = after.filter((r) => !r.errors).length;
    console.log(
      `Postgres restarted in ${backAt - restartAt} ms under load: ${results.length} operations, ${failed.length} failed (all typed: ${failed.every((r) => r.typed)}), ` +
        `last failure ${failed.length ? `${Math.max(...failed.map((r) => r.at)) - backAt} ms after it was back` : 'none'}; afterwards ${okAfter} of 100 succeeded`,
    );
    expect(graph.alive()).toEqual(['emulators', 'inventory', 'customer', 'loyalty', 'order', 'gateway']);
    expect(results.filter((r) => !r.typed)).toEqual([]);
    expect(failed.filter((r) => r.at < restartAt - 1_000)).toEqual([]);
    expect(okAfter).toBeGreaterThanOrEqual(99);
  }, 240_000);
});
