/** Node data source (tests, benchmarks): reads the package files from node_modules. Never imported by browser code. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { TokenizerDataSource } from './sources';

const require = createRequire(import.meta.url);

export const nodeSource: TokenizerDataSource = async (pkgFile) => JSON.parse(await readFile(require.resolve(pkgFile), 'utf8'));
