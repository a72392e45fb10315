import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { canUserAccess, createAuthProvider } from '../src/authProvider';
import { session } from '../src/httpClient';
import { json, mockFetch, setup } from './helpers';

const admin = { id: 1, username: 'admin', full_name: 'Администратор', role: 'admin', is_active: true };
const tokenResponse = (user = admin) =>
  json(201, { token: 'tok-abc', expires_at: '2999-01-01T00:00:00Z', user });

let auth;
beforeEach(() => {
  setup();
  auth = createAuthProvider({ apiUrl: '/api/v1' });
});
afterEach(() => vi.unstubAllGlobals());

describe('login', () => {
  it('POSTs Basic credentials to /auth/token and stores the token', async () => {
    const calls = mockFetch(tokenResponse());
    await auth.login({ username: 'admin', password: 'admin' });
    expect(calls[0].method).toBe('POST');
    expect(calls[0].url.pathname).toBe('/api/v1/auth/token');
    expect(calls[0].headers.get('Authorization')).toBe(`Basic ${btoa('admin:admin')}`);
    // no Basic challenge back, so the browser never shows its own password dialog
    expect(calls[0].headers.get('X-Requested-With')).toBe('XMLHttpRequest');
    expect(session.getToken()).toBe('tok-abc');
    expect(session.getUser()).toEqual(admin);
  });

  it('encodes non-ASCII credentials as UTF-8', async () => {
    const calls = mockFetch(tokenResponse());
    await auth.login({ username: 'кассир', password: 'пароль' });
    const encoded = calls[0].headers.get('Authorization').slice('Basic '.length);
    const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
    expect(new TextDecoder().decode(bytes)).toBe('кассир:пароль');
  });

  it('rejects wrong credentials with the API message and stores nothing', async () => {
    mockFetch(json(401, { error: 'Неверное имя пользователя или пароль' }));
    await expect(auth.login({ username: 'admin', password: 'x' }))
      .rejects.toThrow('Неверное имя пользователя или пароль');
    expect(session.getToken()).toBeNull();
  });

  it('then sends the Bearer token and uses the user from the login answer', async () => {
    const calls = mockFetch(tokenResponse());
    await auth.login({ username: 'admin', password: 'admin' });
    const identity = await auth.getIdentity();
    expect(identity).toEqual({ id: 1, fullName: 'Администратор', username: 'admin', role: 'admin' });
    expect(calls).toHaveLength(1); // no extra /me round trip right after login
  });
});

describe('session', () => {
  it('checkAuth passes with a token and fails without one', async () => {
    await expect(auth.checkAuth()).rejects.toEqual({ message: false });
    session.save({ token: 't', expiresAt: '2999-01-01T00:00:00Z' });
    await expect(auth.checkAuth()).resolves.toBeUndefined();
  });

  it('an expired token counts as logged out', async () => {
    session.save({ token: 't', expiresAt: '2000-01-01T00:00:00Z' });
    expect(session.getToken()).toBeNull();
    await expect(auth.checkAuth()).rejects.toBeDefined();
  });

  it('getPermissions reads the permissions from /me with the Bearer token', async () => {
    session.save({ token: 'tok-1', expiresAt: '2999-01-01T00:00:00Z' });
    const calls = mockFetch(json(200, { ...admin, role: 'cashier', permissions: ['accounts:self'] }));
    await expect(auth.getPermissions()).resolves.toEqual(['accounts:self']);
    expect(calls[0].url.pathname).toBe('/api/v1/me');
    expect(calls[0].headers.get('Authorization')).toBe('Bearer tok-1');
  });

  it('logout revokes the token on the server and forgets it', async () => {
    session.save({ token: 'tok-1', expiresAt: '2999-01-01T00:00:00Z' });
    const calls = mockFetch(new Response(null, { status: 204 }));
    await auth.logout();
    expect(calls[0].method).toBe('DELETE');
    expect(calls[0].url.pathname).toBe('/api/v1/auth/token');
    expect(calls[0].headers.get('Authorization')).toBe('Bearer tok-1');
    expect(session.getToken()).toBeNull();
  });

  it('logout still forgets the token when the server is unreachable', async () => {
    session.save({ token: 'tok-1', expiresAt: '2999-01-01T00:00:00Z' });
    mockFetch(new TypeError('Failed to fetch'));
    await expect(auth.logout()).resolves.toBeUndefined();
    expect(session.getToken()).toBeNull();
  });

  it('logout without a token calls nothing', async () => {
    const calls = mockFetch(json(204));
    await auth.logout();
    expect(calls).toHaveLength(0);
  });
});

describe('checkError', () => {
  beforeEach(() => session.save({ token: 'tok-1', expiresAt: '2999-01-01T00:00:00Z' }));

  it('401 logs out', async () => {
    await expect(auth.checkError({ status: 401, message: 'expired' })).rejects.toBeDefined();
    expect(session.getToken()).toBeNull();
  });

  it.each([403, 400, 404, 409, 500])('%i keeps the user logged in', async (status) => {
    await expect(auth.checkError({ status })).resolves.toBeUndefined();
    expect(session.getToken()).toBe('tok-1');
  });
});

describe('permissions', () => {
  it.each([
    ['printers', 'printing:printers:read', 'printing:printers:write'],
    ['checks', 'printing:checks:read', 'printing:checks:write'],
    ['users', 'accounts:users:read', 'accounts:users:write'],
  ])('%s is read with %s and changed with %s', (resource, read, write) => {
    expect(canUserAccess([read], resource, 'list')).toBe(true);
    expect(canUserAccess([read], resource, 'show')).toBe(true);
    expect(canUserAccess([read], resource, 'edit')).toBe(false);
    expect(canUserAccess([read, write], resource, 'create')).toBe(true);
    expect(canUserAccess(['accounts:self'], resource, 'list')).toBe(false);
    expect(canUserAccess(undefined, resource, 'list')).toBe(false);
  });

  it('an unknown resource is never shown', () => {
    expect(canUserAccess(['printing:printers:read'], 'nothing', 'list')).toBe(false);
  });

  it('canAccess asks /me once and answers from its permissions alone', async () => {
    session.save({ token: 'tok-1', expiresAt: '2999-01-01T00:00:00Z' });
    const calls = mockFetch(json(200, { ...admin, role: 'cashier', permissions: ['accounts:self', 'printing:checks:read'] }));
    await expect(auth.canAccess({ resource: 'users', action: 'list' })).resolves.toBe(false);
    await expect(auth.canAccess({ resource: 'checks', action: 'list' })).resolves.toBe(true);
    await expect(auth.canAccess({ resource: 'checks', action: 'edit' })).resolves.toBe(false);
    await expect(auth.getPermissions()).resolves.toEqual(['accounts:self', 'printing:checks:read']);
    expect(calls).toHaveLength(1);
  });

  it('canAccess is false when logged out', async () => {
    await expect(auth.canAccess({ resource: 'users', action: 'list' })).resolves.toBe(false);
  });
});
