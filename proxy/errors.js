// Error answers of the proxy itself, in the registry's JSON error shape so that registry clients
// report them like any registry error: {"errors":[{"code","message"}]}.

/** Send `status` with one error; `headers` are added (CORS headers, for instance). */
export function sendError(res, status, code, message, headers = {}) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ errors: [{ code, message }] });
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}
