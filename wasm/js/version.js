// Kept equal to package.json's version by tests/node/package.test.js.
export const VERSION = '0.1.0';
