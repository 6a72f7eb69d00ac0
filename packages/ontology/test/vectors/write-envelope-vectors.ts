/** Writes envelope-vectors.json beside this file from helpers/envelope-vectors.ts (deterministic). */
import { writeFileSync } from 'node:fs';
import { buildEnvelopeVectors } from '../helpers/envelope-vectors.js';

writeFileSync(new URL('./envelope-vectors.json', import.meta.url), `${JSON.stringify(buildEnvelopeVectors(), null, 2)}\n`);
