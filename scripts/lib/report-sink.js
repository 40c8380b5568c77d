// Where a benchmark page reports its figures: a loopback HTTP server taking one JSON body per
// POST (the page sends it no-cors, allowed by its CSP through `irel serve --connect-origin`).
import { createServer } from 'node:http';

/** Resolves to { url, next() -> Promise<the next report>, close() }. */
export async function startReportSink() {
  let deliver = () => {};
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      res.end();
      deliver(JSON.parse(body));
    });
  }).listen(0, '127.0.0.1');
  await new Promise((ok) => server.once('listening', ok));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    next: () => new Promise((ok) => (deliver = ok)),
    close: () => server.close(),
  };
}
