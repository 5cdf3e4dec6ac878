import { createServer } from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { announce, gatewayEnv, supergraphFor } from './supergraph-urls.js';

// Hive Gateway as `hive.gateway.ts` runs it, with Hive Router's runtime in place of the default
// stitching one (`unifiedGraphHandler`): the Rust query planner, as a native addon, and the
// executor built for its plans.
const { urls, port } = gatewayEnv();
const gateway = createGatewayRuntime({
  supergraph: await supergraphFor(urls),
  unifiedGraphHandler,
  logging: false,
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => {
      const identity = request.headers.get('x-retail-identity');
      return identity ? { 'x-retail-identity': identity } : {};
    },
  },
});
const server = createServer(gateway);
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  announce(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}/graphql`);
});
