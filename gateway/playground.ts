const EXAMPLE = `# The retail graph. Paste a token in Headers, e.g.
# { "Authorization": "Bearer <token from npm run tokens>" }
query CustomerByPhone {
  customerByPhone(phone: "+7 916 000-00-37") {
    id firstName lastName phone createdAt
    loyalty { cardNumber tier { name accrualPercent } balance { active pending spent } }
  }
}
`;

let cached: Promise<string> | undefined;

/**
 * GraphiQL served by the gateway itself: the page, its scripts and styles are inlined from the
 * `@graphql-yoga/render-graphiql` package, so it works with no internet and no CDN. The package
 * holds the whole GraphiQL bundle (~45 MB in memory once loaded), so it is loaded on the first
 * visit to the playground, not with the gateway.
 */
export function playgroundHtml(): Promise<string> {
  cached ??= import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) =>
    renderGraphiQL({
    title: 'Retail graph',
    endpoint: '/graphql',
    defaultQuery: EXAMPLE,
    headerEditorEnabled: true,
    // Empty, so the schema loads for the docs panel before a token is pasted.
    headers: '{}',
    shouldPersistHeaders: true,
    } as Parameters<typeof renderGraphiQL>[0]),
  );
  return cached;
}
