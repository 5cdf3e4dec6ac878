import { ImportShowroomCustomersDocument, ShowroomImportRunsDocument, type ShowroomImportRunsQuery } from '../clients/__generated__/graphql.js';
import { adminGraphql } from './admin-client.js';

// `npm run import:showroom`: asks the running graph (as an admin) to import the showroom customers
// BonusPlus knows and RetailCRM does not, and shows the run's progress until it ends. A run that
// was cut off (an outage, a shutdown) is continued, not started over; running it again when all is
// imported creates nothing. The work happens inside the customer subgraph, so closing this command
// does not stop it.
const { url, gql } = await adminGraphql('import-showroom');

type Run = ShowroomImportRunsQuery['showroomImportRuns'][number];

const line = (run: Run) => {
  const seconds = ((Date.parse(run.updatedAt) - Date.parse(run.startedAt)) / 1000).toFixed(1);
  return `${run.status.padEnd(9)} read ${String(run.customersRead).padStart(7)}   imported ${String(run.imported).padStart(6)}   already known ${String(run.alreadyKnown).padStart(7)}   failed ${String(run.failed).padStart(5)}   ${seconds} s   `;
};

// A run whose process died (killed, not shut down) shows no progress for longer than this; asking
// again takes it over (the subgraph treats a run silent for a minute as dead).
const SILENT_MS = 70_000;
const start = async () => (await gql(ImportShowroomCustomersDocument)).importShowroomCustomers;

try {
  const started = await start();
  const resumed = started.customersRead > 0 ? ` (continuing from BonusPlus row ${started.nextRow})` : '';
  console.log(`showroom import run ${started.id}${resumed} (${url})`);
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const { showroomImportRuns } = await gql(ShowroomImportRunsDocument, { last: 20 });
    const run = showroomImportRuns.find((r) => r.id === started.id);
    if (!run) throw new Error(`run ${started.id} is gone`);
    process.stdout.write(`\r${line(run)}`);
    if (run.status === 'RUNNING') {
      if (Date.now() - Date.parse(run.updatedAt) > SILENT_MS) {
        process.stdout.write('\nthe process running it stopped answering; continuing the run here\n');
        await start();
      }
      continue;
    }
    process.stdout.write('\n');
    for (const f of run.failures) console.log(`  not imported: BonusPlus ${f.bonusPlusId} ${f.phone}: ${f.reason}`);
    if (run.failed > run.failures.length) console.log(`  … and ${run.failed - run.failures.length} more (showroomImportRuns { failures(first: 100) })`);
    if (run.status === 'FAILED') throw new Error(`${run.error ?? 'failed'} — run the command again to continue`);
    if (run.status === 'STOPPED') throw new Error('the graph shut down — run the command again to continue');
    break;
  }
} catch (error) {
  console.error(`\nshowroom import failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
