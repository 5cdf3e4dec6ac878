import { createInterface } from 'node:readline';
import { retailCrmFromConfig } from '../../connectors/connectors.js';
import { loadConfig } from '../../platform/config.js';
import { runAsBackground } from '../../platform/http/upstream-budget.js';

/**
 * One process of the deployment as far as RetailCRM is concerned: the three clients of the key a
 * graph process holds (customer, loyalty, order), built from the environment as the services build
 * them. Started by tests (`node --import tsx`), it prints `ready`, then for each line
 * `{"tag", "count", "priority"}` on stdin sends `count` lookups of `<tag>-<i>` at once, spread
 * over its clients, and prints `{"done": tag, "ok", "failed"}`. Stdin closed: it closes and exits.
 */
const config = loadConfig();
const clients = [retailCrmFromConfig(config), retailCrmFromConfig(config), retailCrmFromConfig(config)];

interface Burst {
  readonly tag: string;
  readonly count: number;
  readonly priority: 'interactive' | 'background';
}

async function burst({ tag, count, priority }: Burst): Promise<void> {
  const calls = Array.from({ length: count }, (_, i) => {
    const lookup = () => clients[i % clients.length]!.getCustomer(`${tag}-${i}`, 'externalId');
    return priority === 'background' ? runAsBackground(lookup) : lookup();
  });
  const results = await Promise.allSettled(calls);
  const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
  process.stdout.write(`${JSON.stringify({ done: tag, ok: count - failed.length, failed: failed.length, errors: failed.slice(0, 3) })}\n`);
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => void burst(JSON.parse(line) as Burst));
lines.on('close', () => {
  void Promise.all(clients.map((c) => c.close())).then(() => process.exit(0));
});
process.stdout.write('ready\n');
