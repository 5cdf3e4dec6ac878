import { adminGraphql } from './admin-client.js';

// `npm run reconcile`: asks the running graph to compare RetailCRM, BonusPlus, 1C and its own
// records now, and prints every difference. Exits 1 when there is one (for a cron job's alert).
const { url, gql } = await adminGraphql('reconcile');

type Section = { checked: number; differences: { subject: string; field: string; values: { system: string; value: string | null }[] }[] };
const SECTION = 'checked differences { subject field values { system value } }';

try {
  const { reconciliation } = await gql<{ reconciliation: Record<string, Section | string> }>(`{ reconciliation { id orders { ${SECTION} } customers { ${SECTION} } } }`);
  console.log(`reconciliation ${reconciliation.id} (${url})`);
  let differences = 0;
  for (const [name, section] of Object.entries(reconciliation)) {
    if (typeof section === 'string') continue;
    console.log(`  ${name}: ${section.checked} checked, ${section.differences.length} differences`);
    for (const d of section.differences) {
      console.log(`    ${d.subject}  ${d.field}: ${d.values.map((v) => `${v.system}=${v.value ?? '(none)'}`).join('  ')}`);
    }
    differences += section.differences.length;
  }
  if (differences > 0) process.exitCode = 1;
} catch (error) {
  console.error(`reconciliation failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
