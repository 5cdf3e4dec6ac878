import { loadConfig } from '../platform/config.js';
import { issueToken, STAFF_ROLES } from '../platform/identity.js';
import { demoPerson } from '../emulators/seed/demo-people.js';
import { demoExternalId } from '../emulators/seed/demo-ids.js';

// `npm run tokens`: development tokens signed with JWT_SECRET, for the playground and curl.
const config = loadConfig();
// Within JWT_MAX_STAFF_TTL_HOURS and JWT_MAX_CUSTOMER_TTL_HOURS by default, for the configured issuer and audience.
const claims = { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE };
const person = demoPerson(1);
const customerId = demoExternalId(1);
console.log(`Demo customer ${person.firstName} ${person.lastName} (+${person.phoneDigits}), id ${customerId}:`);
console.log(`  ${await issueToken(config.JWT_SECRET, customerId, [], '12h', claims)}\n`);
for (const role of STAFF_ROLES) {
  console.log(`Staff, role ${role}:`);
  console.log(`  ${await issueToken(config.JWT_SECRET, `staff-${role}`, [role], '12h', claims)}\n`);
}
console.log('Use as a header: { "Authorization": "Bearer <token>" }');
