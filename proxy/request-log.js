// One line per forwarded request: method, target host, path without the query string (queries
// carry upload state, signed storage URLs and token scopes), status and time. Headers, and so
// credentials, are never logged.

/** A line for the log; `path` is cut at '?'; note is an optional remark ("3 redirects", "denied"). */
export function requestLogLine({ method, authority, path, status, startedAt, note }) {
  const q = path.indexOf('?');
  const bare = q < 0 ? path : path.slice(0, q);
  const ms = Math.round(performance.now() - startedAt);
  return `${new Date().toISOString()} ${method} ${authority} ${bare} ${status} ${ms}ms${note ? ` (${note})` : ''}`;
}
