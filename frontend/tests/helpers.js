import { vi } from 'vitest';

/** An in-memory localStorage for Node. */
export class MemoryStorage {
  constructor() {
    this.map = new Map();
  }
  getItem(key) {
    return this.map.has(key) ? this.map.get(key) : null;
  }
  setItem(key, value) {
    this.map.set(key, String(value));
  }
  removeItem(key) {
    this.map.delete(key);
  }
  clear() {
    this.map.clear();
  }
}

export const json = (status, body, headers = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });

/**
 * Stubs global fetch with a queue of responses (or a function of the request) and records
 * every call as {url, method, headers, body}.
 */
export const mockFetch = (...responses) => {
  const calls = [];
  const fn = vi.fn(async (url, init = {}) => {
    const headers = new Headers(init.headers || {});
    const call = {
      url: new URL(url, 'http://localhost'),
      method: init.method || 'GET',
      headers,
      body: init.body ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const next = responses.length > 1 ? responses.shift() : responses[0];
    if (typeof next === 'function') return next(call);
    if (next instanceof Error) throw next;
    return next.clone();
  });
  vi.stubGlobal('fetch', fn);
  return calls;
};

export const setup = () => {
  vi.stubGlobal('localStorage', new MemoryStorage());
};
