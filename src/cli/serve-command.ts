// `net serve`: the web view (src/web/). Loads the scenario, starts the server, prints where it listens, and
// ends cleanly on SIGINT or SIGTERM.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { WebSession } from '../web/session.js';
import { startWebServer } from '../web/server.js';
import { argInt } from './parse-args.js';
import { UsageError } from './usage-error.js';
import { printWarnings } from './load.js';

interface ServeOptions {
  port: number;
  host: string;
  open?: boolean;
}

export function registerServe(program: Command, out: (s: string) => void): void {
  program
    .command('serve')
    .description('a live web view of the scenario: its World drawn, each trace animated hop by hop, edits re-run')
    .argument('<scenario>', 'a scenario file (kind Cluster or Topology)')
    .option('--port <n>', 'TCP port (0: any free port)', argInt('--port', 0, 65535), 8080)
    .option('--host <addr>', 'address to listen on; anything but loopback exposes the page to your network', '127.0.0.1')
    .option('--open', 'open the page in the default browser (xdg-open)')
    .addHelpText('after', `
The page draws the World: cluster nodes as boxes holding their namespaces and pods, devices inside them,
veth pairs, bridge ports and VXLAN tunnels as wires, Services by their virtual IPs. The form asks for a trace
as net trace --from/--to takes it; the hops stream over a WebSocket and the packet walks the drawing, the
reply in another colour, step by step forward and back. The page's URL (with ?from=...&to=...) reproduces the
trace. In a Cluster, a pod's readiness, a Deployment's replicas and EndpointSlices can be changed: the
reconcilers run again and the next trace shows it; "save" gives the edits back as a timeline scenario.

The server answers only on its own host name and accepts WebSockets only from its own page (docs/web-protocol.md
describes the messages). SIGINT or SIGTERM stops it.

Example:
  net serve scenarios/two-node-service.yaml --port 8080
  net serve scenarios/cluster-timeline-readiness.yaml --port 0`)
    .action((file: string, o: ServeOptions) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
      }
      // Bad scenarios are reported here, synchronously, with every diagnostic (exit 2).
      const session = new WebSession(file, text);
      printWarnings(session.warnings);
      startWebServer({ host: o.host, port: o.port, session }).then(
        (srv) => {
          out(`net serve: ${file} on ${o.host} port ${srv.port}: open ${srv.url}`);
          if (o.open) spawn('xdg-open', [srv.url], { stdio: 'ignore', detached: true }).on('error', () => out(`(could not open a browser: open ${srv.url} yourself)`)).unref();
          const stop = (): void => {
            void srv.close().then(() => process.exit(0));
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        },
        (e: unknown) => {
          process.stderr.write(`net: serve: cannot listen on ${o.host} port ${o.port}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
          process.exitCode = 2;
        },
      );
    });
}
