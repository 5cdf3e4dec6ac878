import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerCardDocument, CustomerSearchDocument, OrderLinesDocument, ReturnPreviewDocument, StockByArticleDocument, type CustomerCardQuery, type CustomerSearchQuery, type OrderLinesQuery, type ReturnPreviewQuery, type StockByArticleQuery } from '../../clients/__generated__/graphql.js';
import { demoProduct } from '../../emulators/seed/demo-catalog.js';
import { CONSOLE_CSP } from '../../gateway/console.js';
import { chromiumFound, CHROMIUM_PATH, fact, openConsoleBrowser, paidOrder, searchPhone, showStock, signIn, type ConsoleBrowser } from '../support/console-browser.js';
import { startTestGraph, type TestGraph } from '../support/graph-harness.js';
import { registerEnrolled } from '../support/order-fixtures.js';

/**
 * The staff console at `/console`, in headless Chromium driven by playwright-core, on the whole
 * graph: every request to another origin than the gateway's is aborted and counted.
 */
if (!chromiumFound) console.warn(`console browser test skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);

const roubles = (kopecks: number) => `${Math.floor(kopecks / 100)}.${String(kopecks % 100).padStart(2, '0')} ₽`;

describe.skipIf(!chromiumFound)('the staff console in a real browser', () => {
  let t: TestGraph;
  let browser: ConsoleBrowser;
  let origin: string;
  let manager: string;
  const shots = mkdtempSync(join(tmpdir(), 'console-screens-'));

  beforeAll(async () => {
    t = await startTestGraph({ LOYALTY_WELCOME_BONUS: '2000' });
    await t.graph.inventory.catalogSync.runNow();
    await t.settle();
    manager = await t.staffToken('manager');
    origin = new URL(t.graph.gatewayUrl).origin;
    browser = await openConsoleBrowser(origin);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    console.log(`console screenshots in ${shots}`);
  });

  it('is a page of the gateway with a same-origin CSP: no inline script, nothing from elsewhere', async () => {
    const res = await fetch(`${origin}/console`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).toContain("connect-src 'self'");
    const html = await res.text();
    expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual(['<script defer src="/console/console.js">']);
    expect(html).not.toMatch(/https?:\/\//);
    const script = await fetch(`${origin}/console/console.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await script.text()).length).toBeGreaterThan(1000);
  });

  it('a manager finds a seeded customer by phone: name, bonuses and orders as the graph answers them', async () => {
    // The console's own list and card: the first seeded customer with more than one order.
    const seeded = (await t.gql<CustomerSearchQuery>(CustomerSearchDocument, { first: 40 }, manager)).data!.customers.edges.map((e) => e.node);
    let found: NonNullable<CustomerCardQuery['customer']> | undefined;
    for (const candidate of seeded) {
      found = (await t.gql<CustomerCardQuery>(CustomerCardDocument, { id: candidate.id }, manager)).data!.customer!;
      if (found.orders.totalCount > 1) break;
    }
    expect(found?.orders.totalCount).toBeGreaterThan(1);
    const card = found!;
    const customer = { id: card.id, phone: card.phone! };
    expect(card.loyalty).not.toBeNull();

    const page = await signIn(browser, origin, manager);
    await searchPhone(page, customer.phone);
    expect(await page.getByRole('heading', { level: 3 }).first().textContent()).toContain(`${card.firstName}`);
    expect(await page.getByRole('heading', { level: 3 }).first().textContent()).toContain(`${card.lastName}`);
    expect(await fact(page, 'Customer', 'Phone')).toBe(card.phone);
    expect(await fact(page, 'Customer', 'Loyalty card')).toBe(card.loyalty!.cardNumber);
    expect(await fact(page, 'Customer', 'Tier')).toBe(card.loyalty!.tier.name);
    expect(await fact(page, 'Customer', 'Active bonuses')).toBe(String(card.loyalty!.balance.active));
    expect(await fact(page, 'Customer', 'Pending bonuses')).toBe(String(card.loyalty!.balance.pending));
    expect(await fact(page, 'Customer', 'Buyout rate')).toContain(`${card.buyoutRate!.boughtOut} bought out, ${card.buyoutRate!.refused} refused`);

    const orders = page.getByRole('table', { name: /^Orders/ });
    const numbers = card.orders.edges.map((e) => e.node.number);
    expect(await orders.locator('tbody th').allTextContents()).toEqual(numbers);
    const statuses = await orders.locator('tbody tr td:nth-of-type(2)').allTextContents();
    expect(statuses).toEqual(card.orders.edges.map((e) => e.node.status));
    await page.screenshot({ path: join(shots, 'customer-card.png'), fullPage: true });
    await page.close();
  });

  it('a customer without orders: the card says so, with no orders table', async () => {
    const shopper = await registerEnrolled(t, '+79165550101', 'Безвыборова');
    const page = await signIn(browser, origin, manager);
    await searchPhone(page, '8 916 555-01-01');
    expect(await page.getByRole('heading', { level: 3 }).first().textContent()).toContain('Безвыборова');
    expect(await fact(page, 'Customer', 'Phone')).toBe(shopper.phone);
    await page.getByText('No orders yet.').waitFor();
    expect(await page.getByRole('table', { name: /^Orders/ }).count()).toBe(0);
    await page.close();
  });

  it('a customer’s token is refused by the graph, and the page says so and keeps no token', async () => {
    const shopper = await registerEnrolled(t, '+79165550102');
    const page = await signIn(browser, origin, shopper.token);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Refused (FORBIDDEN)');
    expect(await page.getByRole('heading', { name: 'Find a customer' }).count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.screenshot({ path: join(shots, 'refused.png') });
    await page.close();
  });

  it('previews a return of one unit of a paid order: the figures the graph’s returnPreview gives', async () => {
    const shopper = await registerEnrolled(t, '+79165550103', 'Возвратова');
    const orderId = await paidOrder(t, shopper);
    const lines = (await t.gql<OrderLinesQuery>(OrderLinesDocument, { id: orderId }, manager)).data!.order!;
    const expected = (await t.gql<ReturnPreviewQuery>(ReturnPreviewDocument, { orderId, lines: [{ lineId: lines.lines[0]!.id, quantity: 1 }] }, manager)).data!.returnPreview;
    expect(expected.refund).toBeGreaterThan(0);

    const page = await signIn(browser, origin, manager);
    await searchPhone(page, shopper.phone);
    await page.getByRole('button', { name: `Preview a return of order ${lines.number}` }).click();
    const inputs = page.getByRole('spinbutton', { name: /^Units of .* to return$/ });
    await inputs.first().waitFor();
    expect(await inputs.count()).toBe(lines.lines.length);
    await inputs.first().fill('1');
    await page.getByRole('button', { name: 'Preview the return' }).click();
    await page.locator('dl[aria-label="Return preview"]').waitFor();
    expect(await fact(page, 'Return preview', 'Refund')).toBe(roubles(expected.refund));
    expect(await fact(page, 'Return preview', 'Earned bonuses taken back')).toBe(String(expected.earnedReversed));
    expect(await fact(page, 'Return preview', 'Spent bonuses given back')).toBe(String(expected.spentRefunded));
    await page.screenshot({ path: join(shots, 'return-preview.png'), fullPage: true });
    await page.close();
  });

  it('shows the stock of an article by size and shop, as the graph counts it', async () => {
    const article = demoProduct(3).article;
    const product = (await t.gql<StockByArticleQuery>(StockByArticleDocument, { article }, manager)).data!.productByArticle!;
    const page = await signIn(browser, origin, manager);
    await page.getByRole('heading', { name: 'Find a customer' }).waitFor();
    await showStock(page, article);
    const grid = page.getByRole('table', { name: 'Units available by size and shop' });
    const warehouses = [...new Set(product.offers.flatMap((o) => o.stock.map((s) => s.warehouse.name)))];
    const headers = await grid.locator('thead th').allTextContents();
    expect(headers.slice(2, -1).sort()).toEqual(warehouses.sort());
    const rows = grid.locator('tbody tr');
    expect(await rows.count()).toBe(product.offers.length);
    for (const [i, offer] of product.offers.entries()) {
      const cells = await rows.nth(i).locator('th, td').allTextContents();
      expect(cells[0]).toBe([offer.size, offer.colour].filter(Boolean).join(' / '));
      expect(Number(cells.at(-1))).toBe(offer.stock.reduce((sum, s) => sum + s.available, 0));
      for (const level of offer.stock) expect(Number(cells[headers.indexOf(level.warehouse.name)])).toBe(level.available);
    }
    await page.screenshot({ path: join(shots, 'stock.png'), fullPage: true });
    await page.close();
  });

  it('asked nothing of any other origin, and met no script or CSP error', () => {
    expect(browser.foreign).toEqual([]);
    // The page, its script and stylesheet and the GraphQL calls of every view above.
    expect(browser.sameOrigin()).toBeGreaterThan(20);
    expect(browser.pageErrors).toEqual([]);
  });
});
