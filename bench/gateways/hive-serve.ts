import { createServer } from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { announce, gatewayEnv, supergraphFor } from './supergraph-urls.js';

/**
 * Hive Gateway's runtime on node:http with its defaults and logging off, in front of the bench's
 * subgraphs. As for the stock Apollo gateway, the one addition is passing the signed identity
 * header on to the subgraphs; `runtime` adds options of a variant (another query planner).
 */
export async function serveHiveGateway(runtime: Partial<Parameters<typeof createGatewayRuntime>[0]> = {}): Promise<void> {
  const { urls, port } = gatewayEnv();
  const gateway = createGatewayRuntime({
    supergraph: await supergraphFor(urls),
    logging: false,
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => {
        const identity = request.headers.get('x-retail-identity');
        return identity ? { 'x-retail-identity': identity } : {};
      },
    },
    ...runtime,
  } as Parameters<typeof createGatewayRuntime>[0]);
  const server = createServer(gateway);
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    announce(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}/graphql`);
  });
}
