// The one place that talks HTTP to the Receipt Hub API: the session token, the Bearer
// header and the mapping of the API's error envelope ({"error", "details"}) to react-admin's
// HttpError. Both the data provider and the auth provider use it.
import { HttpError } from 'ra-core';

export const API_URL = (import.meta.env?.VITE_API_URL || '/api/v1').replace(/\/+$/, '');

const KEYS = {
  token: 'receipthub.token',
  expiresAt: 'receipthub.expires_at',
  user: 'receipthub.user',
};

const storage = () => {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled by the browser
  }
};

/** The Bearer token kept in localStorage between page loads. */
export const session = {
  getToken() {
    const s = storage();
    const token = s?.getItem(KEYS.token);
    if (!token) return null;
    const expiresAt = s.getItem(KEYS.expiresAt);
    if (expiresAt && Date.parse(expiresAt) <= Date.now()) {
      session.clear();
      return null;
    }
    return token;
  },
  save({ token, expiresAt, user }) {
    const s = storage();
    if (!s) return;
    s.setItem(KEYS.token, token);
    if (expiresAt) s.setItem(KEYS.expiresAt, expiresAt);
    else s.removeItem(KEYS.expiresAt);
    if (user) s.setItem(KEYS.user, JSON.stringify(user));
  },
  getUser() {
    try {
      return JSON.parse(storage()?.getItem(KEYS.user) || 'null');
    } catch {
      return null;
    }
  },
  setUser(user) {
    storage()?.setItem(KEYS.user, JSON.stringify(user));
  },
  clear() {
    const s = storage();
    if (!s) return;
    Object.values(KEYS).forEach((key) => s.removeItem(key));
  },
};

/** `Authorization: Basic ...` for a username and password, UTF-8 safe. */
export const basicAuthHeader = (username, password) => {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  bytes.forEach((b) => {
    binary += String.fromCharCode(b);
  });
  return `Basic ${btoa(binary)}`;
};

const DEFAULT_MESSAGES = {
  400: 'rh.errors.bad_request',
  401: 'rh.errors.unauthorized',
  403: 'rh.errors.forbidden',
  404: 'rh.errors.not_found',
  409: 'rh.errors.conflict',
};

/**
 * Turns an API error response into react-admin's HttpError:
 * - message: the API's readable `error` text (or a translatable key when there is none);
 * - body.errors: `details` as react-admin's server-side validation errors
 *   ({field: "msg", root: {serverError: "..."}}) so forms show them next to the fields.
 */
export const toHttpError = (status, payload) => {
  const message =
    (payload && typeof payload.error === 'string' && payload.error) ||
    DEFAULT_MESSAGES[status] ||
    'ra.notification.http_error';
  const body = payload && typeof payload === 'object' ? { ...payload } : {};
  const details = payload?.details;
  if (details && typeof details === 'object' && Object.keys(details).length > 0) {
    const errors = {};
    Object.entries(details).forEach(([field, messages]) => {
      const text = Array.isArray(messages) ? messages.join(' ') : String(messages);
      if (field === '_schema' || field === 'root') return; // whole-request errors: shown as root
      errors[field] = text;
    });
    errors.root = { serverError: message };
    body.errors = errors;
  }
  return new HttpError(message, status, body);
};

const parseBody = async (response) => {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { error: text.length < 300 ? text : undefined };
  }
};

/**
 * fetch() with the Bearer token, JSON in and out, and HttpError on any non-2xx answer.
 * options: method, body (JSON-encoded), headers, auth (false: no Bearer),
 * token (explicit token), responseType ('json' | 'blob'), signal.
 * Resolves to {status, headers, json} (or {status, headers, blob}).
 */
export const request = async (url, options = {}) => {
  const { method = 'GET', body, auth = true, responseType = 'json', signal } = options;
  const headers = new Headers(options.headers || {});
  if (!headers.has('Accept')) {
    headers.set('Accept', responseType === 'blob' ? '*/*' : 'application/json');
  }
  // Tells the server not to answer 401 with a Basic challenge, which would make the browser
  // pop up its own password dialog over the login page.
  headers.set('X-Requested-With', 'XMLHttpRequest');
  let payload;
  if (body !== undefined) {
    headers.set('Content-Type', 'application/json');
    payload = JSON.stringify(body);
  }
  const token = options.token ?? (auth ? session.getToken() : null);
  if (token && !headers.has('Authorization')) {
    headers.set('Authorization', `Bearer ${token}`);
  }

  let response;
  try {
    response = await globalThis.fetch(url, { method, headers, body: payload, signal });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new HttpError('ra.notification.http_error', 0, { error: String(error?.message || error) });
  }

  if (!response.ok) {
    throw toHttpError(response.status, await parseBody(response));
  }
  if (responseType === 'blob') {
    return { status: response.status, headers: response.headers, blob: await response.blob() };
  }
  return { status: response.status, headers: response.headers, json: await parseBody(response) };
};
