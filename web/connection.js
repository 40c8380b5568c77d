// Connection: the proxy's URL and token, blobs in flight, and credentials per registry. Credentials
// live in this module's memory only (reloading forgets them) and go to the worker with each job.
import { $ } from './render.js';

/**
 * setupConnection(app, { onProxyChange }) -> { proxyBase(), registryArgs() }. registryArgs(): the
 * registry options of a worker job (proxyBase, proxyToken, credentials, jobs).
 */
export function setupConnection(app, { onProxyChange = () => {} } = {}) {
  const proxyInput = $('proxy-url');
  const jobsInput = $('jobs');
  const proxyTokenInput = $('proxy-token');
  proxyInput.value = `${location.origin}/proxy`;
  const credentials = new Map(); // registry -> { username, password } | { identityToken }

  const proxyBase = () => proxyInput.value.trim().replace(/\/+$/, '');

  function registryArgs() {
    const jobs = Math.min(16, Math.max(1, Number.parseInt(jobsInput.value, 10) || 16)); // the engine's default: the browser allows 6 connections per host anyway
    const proxyToken = proxyTokenInput.value.trim();
    return { proxyBase: proxyBase(), ...(proxyToken ? { proxyToken } : {}), credentials: Object.fromEntries(credentials), jobs };
  }

  function updateSummary() {
    let ok = true;
    try {
      const u = new URL(proxyBase());
      ok = u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      ok = false;
    }
    proxyInput.setAttribute('aria-invalid', String(!ok));
    $('connection-summary').textContent = `proxy ${proxyBase() || '(none)'} · ` +
      (credentials.size ? `credentials for ${[...credentials.keys()].join(', ')}` : 'no credentials');
  }

  /** The key the library looks credentials up by (its registryKey: URLs, Docker Hub spellings); '' when invalid. */
  function registryKey(text) {
    const r = app.irel?.registryKey(text);
    return r?.ok ? r.registry : '';
  }

  function renderCredentials() {
    const list = $('cred-list');
    list.replaceChildren();
    for (const [registry, c] of credentials) {
      const li = document.createElement('li');
      const text = document.createElement('span');
      text.textContent = `${registry}: ${c.identityToken ? 'identity token' : `user ${c.username}, password`} (hidden)`;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'link';
      remove.textContent = 'Remove';
      remove.setAttribute('aria-label', `Remove credentials for ${registry}`);
      remove.addEventListener('click', () => {
        credentials.delete(registry);
        renderCredentials();
        $('cred-registry').focus();
      });
      li.append(text, ' ', remove);
      list.append(li);
    }
    updateSummary();
  }

  $('cred-kind').addEventListener('change', () => {
    const token = $('cred-kind').value === 'token';
    $('cred-username-field').hidden = token;
    $('cred-secret-label').textContent = token ? 'Token' : 'Password';
  });

  $('cred-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const registry = registryKey($('cred-registry').value);
    const token = $('cred-kind').value === 'token';
    const secret = $('cred-secret').value;
    const username = $('cred-username').value.trim();
    const err = $('cred-error');
    const problem = !registry || /\s/.test(registry) ? 'Enter the registry as host[:port], e.g. registry.example.com:5000.'
      : !secret ? `Enter the ${token ? 'token' : 'password'}.`
        : !token && !username ? 'Enter the username.' : '';
    err.hidden = !problem;
    err.textContent = problem;
    if (problem) return;
    credentials.set(registry, token ? { identityToken: secret } : { username, password: secret });
    $('cred-secret').value = '';
    $('cred-username').value = '';
    $('cred-registry').value = '';
    renderCredentials();
  });

  proxyInput.addEventListener('input', () => {
    updateSummary();
    onProxyChange();
  });
  updateSummary();
  return { proxyBase, registryArgs };
}
