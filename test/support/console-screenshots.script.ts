import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CustomerCardDocument, CustomerSearchDocument, OrderLinesDocument } from '../../clients/__generated__/graphql.js';
import { demoProduct } from '../../emulators/seed/demo-catalog.js';
import { chromiumFound, CHROMIUM_PATH, openConsoleBrowser, paidOrder, searchPhone, showStock, signIn } from './console-browser.js';
import { startTestGraph } from './graph-harness.js';
import { registerEnrolled } from './order-fixtures.js';

/**
 * `npm run console:screenshots`: the README's pictures of the staff console (docs/console/*.png),
 * taken in headless Chromium on a fresh graph with the demo data, run by hand when the console changes.
 */
if (!chromiumFound) throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install chromium, or set CHROMIUM_PATH`);
const out = fileURLToPath(new URL('../../docs/console/', import.meta.url));
mkdirSync(out, { recursive: true });

const t = await startTestGraph({ LOYALTY_WELCOME_BONUS: '2000' });
try {
  await t.graph.inventory.catalogSync.runNow();
  await t.settle();
  const manager = await t.staffToken('manager');
  const origin = new URL(t.graph.gatewayUrl).origin;
  // A regular: the first seeded customer whose card (the console's own document) shows more than two orders.
  const seeded = await t.gql(CustomerSearchDocument, { first: 40 }, manager);
  let regular: { phone: string } | undefined;
  for (const { node } of seeded.data.customers.edges as { node: { id: string; phone: string } }[]) {
    const card = await t.gql(CustomerCardDocument, { id: node.id, first: 1 }, manager);
    if (card.data.customer.orders.totalCount > 2) {
      regular = node;
      break;
    }
  }
  if (!regular) throw new Error('no seeded customer with more than two orders');
  const shopper = await registerEnrolled(t, '+79165550201', 'Анна');
  const orderId = await paidOrder(t, shopper);
  const number = (await t.gql(OrderLinesDocument, { id: orderId }, manager)).data.order.number;

  const browser = await openConsoleBrowser(origin);
  try {
    const shot = async (page: Awaited<ReturnType<typeof signIn>>, name: string) => page.screenshot({ path: `${out}${name}.png`, fullPage: true });
    let page = await signIn(browser, origin, manager);
    await searchPhone(page, regular.phone);
    await shot(page, 'customer-card');
    await page.close();

    page = await signIn(browser, origin, manager);
    await searchPhone(page, shopper.phone);
    await page.getByRole('button', { name: `Preview a return of order ${number}` }).click();
    await page.getByRole('spinbutton').first().fill('1');
    await page.getByRole('button', { name: 'Preview the return' }).click();
    await page.locator('dl[aria-label="Return preview"]').waitFor();
    await shot(page, 'return-preview');
    await page.close();

    page = await signIn(browser, origin, manager);
    await page.getByRole('heading', { name: 'Find a customer' }).waitFor();
    await showStock(page, demoProduct(3).article);
    await shot(page, 'stock');
    await page.close();

    page = await signIn(browser, origin, shopper.token);
    await page.getByRole('alert').waitFor();
    await shot(page, 'refused');
    await page.close();
    if (browser.foreign.length > 0) throw new Error(`the console asked other origins: ${browser.foreign.join(', ')}`);
  } finally {
    await browser.close();
  }
  console.log(`screenshots in ${out}`);
} finally {
  await t.close();
}
