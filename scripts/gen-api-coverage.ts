// Writes docs/api-coverage.md from the container field table: bin/node scripts/gen-api-coverage.ts
import fs from 'node:fs';
import path from 'node:path';
import { renderCoverage } from '../src/engine/containers/validate/coverage-doc.ts';

const file = path.join(import.meta.dirname, '..', 'docs', 'api-coverage.md');
fs.writeFileSync(file, renderCoverage());
console.log(`wrote ${file}`);
