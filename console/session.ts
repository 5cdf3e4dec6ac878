const KEY = 'retail-graph.console.token';

/**
 * The staff token lives in sessionStorage: gone when the tab closes, never sent anywhere but as the
 * bearer token of the console's own `/graphql` calls.
 */
export const session = {
  token: (): string | null => sessionStorage.getItem(KEY),
  keep: (token: string): void => sessionStorage.setItem(KEY, token),
  end: (): void => sessionStorage.removeItem(KEY),
};
