import { writeFile } from 'node:fs/promises';
import { composeSupergraph, SUPERGRAPH_FILE } from './supergraph.js';

// `npm run compose`: writes schema/supergraph.graphql. A test fails when the file drifts.
const sdl = await composeSupergraph();
await writeFile(SUPERGRAPH_FILE, sdl);
console.log(`wrote ${SUPERGRAPH_FILE.split('/').slice(-2).join('/')}`);
