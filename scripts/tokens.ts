import { loadConfig } from '../platform/config.js';
import { issueToken, STAFF_ROLES } from '../platform/identity.js';
import { demoPerson } from '../emulators/seed/demo-people.js';
import { demoExternalId } from '../emulators/seed/demo-ids.js';

// `npm run tokens`: development tokens signed with JWT_SECRET, for the playground and curl.
const config = loadConfig();
const person = demoPerson(1);
const customerId = demoExternalId(1);
console.log(`Demo customer ${person.firstName} ${person.lastName} (+${person.phoneDigits}), id ${customerId}:`);
console.log(`  ${await issueToken(config.JWT_SECRET, customerId)}\n`);
for (const role of STAFF_ROLES) {
  console.log(`Staff, role ${role}:`);
  console.log(`  ${await issueToken(config.JWT_SECRET, `staff-${role}`, [role])}\n`);
}
console.log('Use as a header: { "Authorization": "Bearer <token>" }');
