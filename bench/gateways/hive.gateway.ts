import { serveHiveGateway } from './hive-serve.js';

// Hive Gateway's runtime with its defaults (the stitching query planner).
await serveHiveGateway();
