// Builds the page of `net serve` (page/) into dist/page/: app.ts bundled with elkjs by esbuild (nothing is
// fetched from a CDN at run time), index.html and style.css copied.
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';

const out = 'dist/page';
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ['page/app.ts'],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  outfile: `${out}/app.js`,
  minify: true,
  sourcemap: false,
  legalComments: 'linked',
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css']) cpSync(`page/${f}`, `${out}/${f}`);
