import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { serveHiveGateway } from './hive-serve.js';

// Hive Gateway as `hive.gateway.ts` runs it, with Hive Router's runtime in place of the default
// stitching one (`unifiedGraphHandler`): the Rust query planner, as a native addon, and the
// executor built for its plans.
await serveHiveGateway({ unifiedGraphHandler });
