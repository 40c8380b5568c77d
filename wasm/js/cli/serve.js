// irel serve: the web app and the CORS-forwarding registry proxy it talks to registries through,
// until SIGINT/SIGTERM.
import { IrelError } from '../errors.js';
import { UsageError } from './usage-error.js';

const PROXY = '../../../proxy/';
// Loaded when the command runs, so the other commands work where the proxy files are absent.
const { SERVE_OPTIONS, SERVE_OPTIONS_USAGE } = await import(`${PROXY}options.js`).catch((e) => {
  if (e.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  return { SERVE_OPTIONS: {}, SERVE_OPTIONS_USAGE: '(this installation lacks the proxy/ folder)' };
});

export const serveCommand = {
  name: 'serve',
  usage: `Usage: irel serve [--host 127.0.0.1] [--port 8080] [--allow-host HOST[:PORT]]...
                  [--allow-origin ORIGIN]... [--connect-origin ORIGIN]...
                  [--access-token-file PATH | --access-token TOKEN]
                  [--insecure-registry HOST]... [--ca-cert PATH]... [--skip-tls-verify]

Serves the web app at http://HOST:PORT/web/ and forwards the page's registry requests:
http://HOST:PORT/proxy/REGISTRY[:PORT]/PATH goes to https://REGISTRY[:PORT]/PATH (plain HTTP for
loopback and --insecure-registry hosts), with CORS for the app's own origin and --allow-origin
origins only. Targets that are or resolve to private, loopback or link-local addresses are refused
unless named with --allow-host, and so are redirects from other hosts to them. Proxy answers are
data only: navigations and loads as documents, frames, scripts... are refused (fetch metadata).
Listening on an address other than loopback needs --allow-origin or an access token (then every
proxy request must carry it in X-Irel-Proxy-Token) and prints a warning. Logs one line per
forwarded request to standard error (never credentials or query strings). Runs until interrupted
(Ctrl-C).

${SERVE_OPTIONS_USAGE}

Exit status: 0 after SIGINT/SIGTERM, 2 usage error.`,
  options: SERVE_OPTIONS,

  async run({ values, positionals }, io) {
    if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`, this);
    const { createProxyServer } = await import(`${PROXY}create-server.js`);
    const { bannerFor, exposureWarning, OptionError, serveOptionsFrom } = await import(`${PROXY}options.js`);
    let options;
    try {
      options = serveOptionsFrom(values);
    } catch (e) {
      if (e instanceof OptionError) throw new UsageError(e.message, this);
      throw e;
    }
    io.stderr.write(exposureWarning(options));
    let server;
    try {
      server = await createProxyServer({ ...options, log: (line) => io.stderr.write(`${line}\n`) });
    } catch (e) {
      if (e.code === 'EADDRINUSE' || e.code === 'EADDRNOTAVAIL' || e.code === 'EACCES') {
        throw new IrelError({ code: 'LISTEN_FAILED', message: `cannot listen on ${options.host}:${options.port} (${e.code})` });
      }
      throw e;
    }
    io.stdout.write(bannerFor(server));
    await new Promise((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    return 0;
  },
};
