import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PlaceOrderDocument, RecordPaymentDocument } from '../../clients/__generated__/graphql.js';
import type { TestGraph } from './graph-harness.js';
import { availableOffers, type Shopper } from './order-fixtures.js';

/** Debian's Chromium (`apt-get install chromium`), or the one CHROMIUM_PATH names. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumFound = existsSync(CHROMIUM_PATH);

/**
 * Headless, and quiet: without the background-networking switches Chromium calls Google's services
 * on its own (component updates, sync, QUIC probes), which a closed network refuses.
 */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface ConsoleBrowser {
  readonly browser: Browser;
  readonly context: BrowserContext;
  /** Every request a page of the context attempted to another origin than the gateway's (each was aborted). */
  readonly foreign: string[];
  /** How many requests went to the gateway. */
  readonly sameOrigin: () => number;
  /** Console errors and uncaught exceptions of every page (a CSP violation is one). */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

/**
 * Chromium with a fresh profile (Playwright's own temporary one), every request that is not to
 * `origin` aborted and counted: the console must work with no outside network.
 */
export async function openConsoleBrowser(origin: string): Promise<ConsoleBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Moscow' });
  const foreign: string[] = [];
  const pageErrors: string[] = [];
  let sameOrigin = 0;
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) {
      sameOrigin++;
      return route.continue();
    }
    foreign.push(url);
    return route.abort('blockedbyclient');
  });
  context.on('page', (page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  return { browser, context, foreign, pageErrors, sameOrigin: () => sameOrigin, close: () => browser.close() };
}

/** A new tab (its own sessionStorage: signed out) at the console, signed in with `token`. */
export async function signIn(browser: ConsoleBrowser, origin: string, token: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${origin}/console`);
  await page.getByLabel('Staff token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page;
}

/** Searches a phone and waits for the answer (a card, or a sentence saying there is none). */
export async function searchPhone(page: Page, phone: string): Promise<void> {
  await page.getByRole('heading', { name: 'Find a customer' }).waitFor();
  await page.getByLabel('Phone', { exact: true }).fill(phone);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('#customer-name, section[aria-labelledby="find-heading"] [role="status"], section[aria-labelledby="find-heading"] [role="alert"]').first().waitFor();
}

/** Asks for the stock of an article and waits for the table (or the sentence saying there is no such article). */
export async function showStock(page: Page, article: string): Promise<void> {
  await page.getByLabel('Article', { exact: true }).fill(article);
  await page.getByRole('button', { name: 'Show stock' }).click();
  await page.locator('#product-name, section[aria-labelledby="stock-heading"] [role="status"], section[aria-labelledby="stock-heading"] [role="alert"]').first().waitFor();
}

/** The text of the value a description list gives for `term`. */
export async function fact(page: Page, list: string, term: string): Promise<string> {
  return (await page.locator(`dl[aria-label="${list}"] dt:text-is("${term}") + dd`).textContent()) ?? '';
}

/** An order the shopper placed (two lines, 300 bonuses spent) and a cashier paid, with its sale in BonusPlus. */
export async function paidOrder(t: TestGraph, shopper: Shopper): Promise<string> {
  const [a, b] = await availableOffers(t, 2, 3);
  const placed = await t.gql(PlaceOrderDocument, { input: { idempotencyKey: randomUUID(), bonusesToSpend: 300, cart: [{ offerId: a!.id, quantity: 2 }, { offerId: b!.id, quantity: 1 }] } }, shopper.token);
  if (placed.errors) throw new Error(`placement failed: ${JSON.stringify(placed.errors)}`);
  const id = placed.data.placeOrder.order.id as string;
  await t.settle();
  const paid = await t.gql(RecordPaymentDocument, { input: { orderId: id, idempotencyKey: randomUUID() } }, await t.staffToken('cashier'));
  if (paid.errors) throw new Error(`payment failed: ${JSON.stringify(paid.errors)}`);
  await t.settle();
  return id;
}
