import { resolve } from 'node:path';

/**
 * This package's own directory. Every module sits one level below it, in src/ (run by tsx)
 * or in dist/ (built), so both find the package's shipped files (standins/) the same way.
 */
export const PACKAGE_ROOT = resolve(__dirname, '..');
