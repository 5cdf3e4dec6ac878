import { InventorySyncRunsDocument, SyncCatalogDocument } from '../clients/__generated__/graphql.js';
import { adminGraphql } from './admin-client.js';

// `npm run sync:catalog`: asks the running graph for a full catalog sync from 1C now (as an admin)
// and shows its progress until it ends. Works the same on PGlite and on Postgres, since the run
// happens inside the inventory subgraph.
const { url, gql } = await adminGraphql('sync-catalog');

try {
  const { syncCatalog } = await gql(SyncCatalogDocument);
  console.log(`catalog sync run ${syncCatalog.id} started (${url})`);
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const { inventorySyncRuns } = await gql(InventorySyncRunsDocument, { last: 20 });
    const run = inventorySyncRuns.find((r) => r.id === syncCatalog.id);
    if (!run) throw new Error(`run ${syncCatalog.id} is gone`);
    const seconds = ((Date.parse(run.finishedAt ?? new Date().toISOString()) - Date.parse(run.startedAt)) / 1000).toFixed(1);
    process.stdout.write(`\r${run.status.padEnd(9)} ${run.phase.padEnd(10)} ${String(run.rowsRead).padStart(9)} rows read from 1C  ${seconds} s   `);
    if (run.status !== 'RUNNING') {
      process.stdout.write('\n');
      if (run.status === 'FAILED') throw new Error(run.error ?? 'failed');
      break;
    }
  }
} catch (error) {
  console.error(`\ncatalog sync failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
