import { StaffSessionDocument } from '../clients/__generated__/graphql.js';
import { customerView } from './customer.view.js';
import { h } from './dom.js';
import { GraphQLProblem, request } from './graphql-client.js';
import { onTokenRefused, problemAlert, show } from './render.js';
import { session } from './session.js';
import { stockView } from './stock.view.js';

const root = document.getElementById('console')!;

/**
 * The staff console: a page of the gateway that calls `/graphql` like any client, with the staff
 * token pasted at sign-in. The graph decides what the token may see; the console only shows it.
 */
async function start(): Promise<void> {
  onTokenRefused((problem) => signIn(problem));
  const token = session.token();
  if (!token) return signIn();
  try {
    const { data } = await request(StaffSessionDocument, {}, token);
    workspace(token, data.customers.totalCount);
  } catch (error) {
    session.end();
    signIn(error);
  }
}

function signIn(problem?: unknown): void {
  session.end();
  const field = h('textarea', { id: 'token', name: 'token', required: true, rows: 4, autocomplete: 'off', spellcheck: 'false' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const message = h('div', {}, problem ? refusal(problem) : null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const token = field.value.trim().replace(/^Bearer\s+/i, '');
    if (!token) return;
    button.disabled = true;
    try {
      const { data } = await request(StaffSessionDocument, {}, token);
      session.keep(token);
      workspace(token, data.customers.totalCount);
    } catch (error) {
      message.replaceChildren(refusal(error));
    } finally {
      button.disabled = false;
    }
  };
  root.replaceChildren(
    h('header', {}, h('h1', {}, 'Staff console')),
    h(
      'main',
      {},
      h(
        'form',
        { 'aria-labelledby': 'sign-in-heading', class: 'sign-in', onsubmit: (event: Event) => void submit(event) },
        h('h2', { id: 'sign-in-heading' }, 'Sign in'),
        h('p', {}, 'Paste a staff token (manager, cashier or admin). It is kept in this tab only.'),
        h('label', { for: 'token' }, 'Staff token'),
        field,
        button,
      ),
      message,
    ),
  );
  field.focus();
}

function refusal(problem: unknown): HTMLElement {
  if (problem instanceof GraphQLProblem && problem.refusesToken) {
    return h(
      'div',
      { role: 'alert', class: 'problem' },
      h('strong', {}, `Refused (${problem.code})`),
      `: ${problem.message}. The console opens with a staff token only; a customer's token, or an expired one, is refused by the graph.`,
    );
  }
  return problemAlert(problem);
}

function workspace(token: string, customers: number): void {
  const phone = h('input', { id: 'phone', name: 'phone', type: 'tel', required: true, autocomplete: 'off', placeholder: '+7 916 000-00-37' });
  const article = h('input', { id: 'article', name: 'article', required: true, autocomplete: 'off' });
  const customerResult = h('div', { 'aria-live': 'polite' });
  const stockResult = h('div', { 'aria-live': 'polite' });
  const signOut = () => {
    session.end();
    signIn();
  };
  const searchForm = (label: string, input: HTMLInputElement, action: string, run: () => void) =>
    h(
      'form',
      { role: 'search', 'aria-label': label, onsubmit: (event: Event) => (event.preventDefault(), run()) },
      h('label', { for: input.id }, input.id === 'phone' ? 'Phone' : 'Article'),
      input,
      h('button', { type: 'submit' }, action),
    );
  root.replaceChildren(
    h(
      'header',
      {},
      h('h1', {}, 'Staff console'),
      h('p', { class: 'who' }, `Signed in · ${customers} customers in the graph`),
      h('button', { type: 'button', onclick: signOut }, 'Sign out'),
    ),
    h(
      'main',
      {},
      h(
        'section',
        { 'aria-labelledby': 'find-heading' },
        h('h2', { id: 'find-heading' }, 'Find a customer'),
        searchForm('Customer by phone', phone, 'Search', () => void show(customerResult, () => customerView(phone.value.trim(), token))),
        customerResult,
      ),
      h(
        'section',
        { 'aria-labelledby': 'stock-heading' },
        h('h2', { id: 'stock-heading' }, 'Stock by article'),
        searchForm('Stock by article', article, 'Show stock', () => void show(stockResult, () => stockView(article.value.trim(), token))),
        stockResult,
      ),
    ),
  );
  phone.focus();
}

void start();
