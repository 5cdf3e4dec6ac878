import { loadConfig } from '../../platform/config.js';
import { createJwtVerifier } from '../../platform/identity.js';
import { startGateway } from '../../gateway/gateway.js';
import { announce, gatewayEnv, supergraphFor } from './supergraph-urls.js';

// Our gateway as `gateway/main.ts` runs it, on the bench's subgraphs and port, without its entity
// cache (GATEWAY_ENTITY_CACHE_SECONDS): the other gateways of `bench:load` have none, and it
// compares gateways doing the same work.
const config = loadConfig();
const { urls, port } = gatewayEnv();
const gateway = await startGateway({
  supergraphSdl: await supergraphFor(urls),
  subgraphUrls: urls,
  verifyToken: createJwtVerifier({ secret: config.JWT_SECRET }),
  identitySecret: config.GATEWAY_IDENTITY_SECRET,
  introspection: false,
  port,
  host: '127.0.0.1',
});
announce(`${gateway.url}/graphql`);
