import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { announce, gatewayEnv, supergraphFor } from './supergraph-urls.js';

// A stock @apollo/gateway on @apollo/server, as its docs set it up, with no plugins. The one
// addition: the subgraphs of this graph answer only calls that carry a signed identity, so the
// header the load generator signed is passed on.
type Context = { identity?: string };

class ForwardIdentity extends RemoteGraphQLDataSource<Context> {
  override willSendRequest({ request, context }: Parameters<RemoteGraphQLDataSource<Context>['willSendRequest'] & {}>[0]) {
    if (context.identity) request.http?.headers.set('x-retail-identity', context.identity);
  }
}

const { urls, port } = gatewayEnv();
const server = new ApolloServer<Context>({
  gateway: new ApolloGateway({ supergraphSdl: await supergraphFor(urls), buildService: ({ url }) => new ForwardIdentity({ url }) }),
});
const { url } = await startStandaloneServer(server, {
  listen: { port, host: '127.0.0.1' },
  context: async ({ req }) => ({ identity: req.headers['x-retail-identity'] as string | undefined }),
});
announce(url);
