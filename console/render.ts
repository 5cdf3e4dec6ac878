import { h } from './dom.js';
import { GraphQLProblem } from './graphql-client.js';

let refused: (problem: GraphQLProblem) => void = () => {};

/** What happens when the graph refuses the token mid-session (expired, or never a staff one): back to sign-in. */
export function onTokenRefused(handler: (problem: GraphQLProblem) => void): void {
  refused = handler;
}

/** An error as the operator should read it: the graph's code and message, in an alert. */
export function problemAlert(error: unknown): HTMLElement {
  if (error instanceof GraphQLProblem) {
    const what = error.refusesToken ? 'Refused' : 'Could not do that';
    return h('div', { role: 'alert', class: 'problem' }, h('strong', {}, `${what} (${error.code})`), `: ${error.message}`);
  }
  return h('div', { role: 'alert', class: 'problem' }, h('strong', {}, 'Something went wrong'), `: ${error instanceof Error ? error.message : String(error)}`);
}

/** Runs a view and puts what it built (or the problem it met) into `target`, busy meanwhile. */
export async function show(target: HTMLElement, work: () => Promise<Node>): Promise<void> {
  target.setAttribute('aria-busy', 'true');
  try {
    target.replaceChildren(await work());
  } catch (error) {
    if (error instanceof GraphQLProblem && error.refusesToken) return refused(error);
    target.replaceChildren(problemAlert(error));
  } finally {
    target.removeAttribute('aria-busy');
  }
}
