import { adminGraphql } from './admin-client.js';

// `npm run reconcile`: asks the running graph to compare RetailCRM, BonusPlus, 1C and its own
// records now, and prints every difference. Exits 1 when there is drift (for a cron job's alert);
// a difference a message still on its way explains is printed as pending sync and alerts nobody.
// When an upstream fails half-way (exit 2), running it again continues the customers' comparison
// from where it stopped.
const { url, gql } = await adminGraphql('reconcile');

type Section = { checked: number; differences: { subject: string; field: string; values: { system: string; value: string | null }[]; pendingSync?: boolean }[] };
const SECTION = 'checked differences { subject field values { system value } }';

try {
  const { reconciliation } = await gql<{ reconciliation: Record<string, Section | string> }>(
    `{ reconciliation { id orders { ${SECTION} } customers { checked differences { subject field values { system value } pendingSync } } } }`,
  );
  console.log(`reconciliation ${reconciliation.id} (${url})`);
  let drift = 0;
  for (const [name, section] of Object.entries(reconciliation)) {
    if (typeof section === 'string') continue;
    const pending = section.differences.filter((d) => d.pendingSync).length;
    console.log(`  ${name}: ${section.checked} checked, ${section.differences.length - pending} differences${pending ? `, ${pending} pending sync` : ''}`);
    for (const d of section.differences) {
      console.log(`    ${d.subject}  ${d.field}: ${d.values.map((v) => `${v.system}=${v.value ?? '(none)'}`).join('  ')}${d.pendingSync ? '  (pending sync)' : ''}`);
    }
    drift += section.differences.length - pending;
  }
  if (drift > 0) process.exitCode = 1;
} catch (error) {
  console.error(`reconciliation failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
