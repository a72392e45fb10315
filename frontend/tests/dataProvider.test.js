import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HttpError } from 'ra-core';
import { buildListQuery, changedFields, createDataProvider, MAX_LIMIT } from '../src/dataProvider';
import { session } from '../src/httpClient';
import { json, mockFetch, setup } from './helpers';

const dp = createDataProvider({ apiUrl: '/api/v1' });
const listParams = (overrides = {}) => ({
  pagination: { page: 1, perPage: 25 },
  sort: { field: 'id', order: 'ASC' },
  filter: {},
  ...overrides,
});

beforeEach(() => {
  setup();
  session.save({ token: 'tok-123', expiresAt: '2999-01-01T00:00:00Z' });
});
afterEach(() => vi.unstubAllGlobals());

describe('getList', () => {
  it('turns page/perPage into limit/offset and sort into sort/order', async () => {
    const calls = mockFetch(json(200, { items: [], total: 0 }));
    await dp.getList('printers', listParams({
      pagination: { page: 3, perPage: 25 },
      sort: { field: 'name', order: 'DESC' },
    }));
    const { url } = calls[0];
    expect(url.pathname).toBe('/api/v1/printers');
    expect(url.searchParams.get('limit')).toBe('25');
    expect(url.searchParams.get('offset')).toBe('50');
    expect(url.searchParams.get('sort')).toBe('name');
    expect(url.searchParams.get('order')).toBe('desc');
  });

  it('maps {items, total} to {data, total}', async () => {
    mockFetch(json(200, { items: [{ id: 1, name: 'Kitchen 1' }], total: 41 }));
    const result = await dp.getList('printers', listParams());
    expect(result).toEqual({ data: [{ id: 1, name: 'Kitchen 1' }], total: 41 });
  });

  it('sends filters as query params, q as search, booleans as true/false, skips empty ones', async () => {
    const calls = mockFetch(json(200, { items: [], total: 0 }));
    await dp.getList('users', listParams({
      filter: { q: 'ivan', role: 'cashier', is_active: false, email: '', full_name: null },
    }));
    const params = calls[0].url.searchParams;
    expect(params.get('search')).toBe('ivan');
    expect(params.has('q')).toBe(false);
    expect(params.get('role')).toBe('cashier');
    expect(params.get('is_active')).toBe('false');
    expect(params.has('email')).toBe(false);
    expect(params.has('full_name')).toBe(false);
  });

  it('sends check filters, a date range as inclusive ISO datetimes', async () => {
    const calls = mockFetch(json(200, { items: [], total: 0 }));
    await dp.getList('checks', listParams({
      filter: {
        printer: 4, type: 'kitchen', status: 'rendered', order_id: 123, point_id: 2,
        created_from: '2024-05-01', created_to: '2024-05-31',
      },
    }));
    const params = calls[0].url.searchParams;
    expect(Object.fromEntries(params)).toMatchObject({
      printer: '4', type: 'kitchen', status: 'rendered', order_id: '123', point_id: '2',
      created_from: '2024-05-01T00:00:00.000Z', // TZ=UTC in vite.config.js
      created_to: '2024-05-31T23:59:59.999Z',
    });
  });

  it('sends the Bearer token', async () => {
    const calls = mockFetch(json(200, { items: [], total: 0 }));
    await dp.getList('checks', listParams());
    expect(calls[0].headers.get('Authorization')).toBe('Bearer tok-123');
    expect(calls[0].headers.get('Accept')).toBe('application/json');
  });

  it('pages through the API when more than the maximum page is asked for (CSV export)', async () => {
    const rows = Array.from({ length: 1200 }, (_, i) => ({ id: i + 1 }));
    const calls = mockFetch(({ url }) => {
      const limit = Number(url.searchParams.get('limit'));
      const offset = Number(url.searchParams.get('offset'));
      return json(200, { items: rows.slice(offset, offset + limit), total: rows.length });
    });
    const result = await dp.getList('checks', listParams({
      pagination: { page: 1, perPage: 5000 },
      filter: { status: 'new' },
    }));
    expect(result.total).toBe(1200);
    expect(result.data).toHaveLength(1200);
    expect(result.data.at(-1)).toEqual({ id: 1200 });
    expect(calls.map((c) => [c.url.searchParams.get('limit'), c.url.searchParams.get('offset')]))
      .toEqual([['500', '0'], ['500', '500'], ['500', '1000']]);
    calls.forEach((c) => expect(c.url.searchParams.get('status')).toBe('new'));
    calls.forEach((c) => expect(Number(c.url.searchParams.get('limit'))).toBeLessThanOrEqual(MAX_LIMIT));
  });
});

describe('records', () => {
  it('getOne reads /resource/id', async () => {
    const calls = mockFetch(json(200, { id: 7, status: 'new' }));
    const result = await dp.getOne('checks', { id: 7 });
    expect(calls[0].url.pathname).toBe('/api/v1/checks/7');
    expect(result).toEqual({ data: { id: 7, status: 'new' } });
  });

  it('getMany reads each id', async () => {
    const calls = mockFetch(({ url }) => json(200, { id: Number(url.pathname.split('/').at(-1)) }));
    const result = await dp.getMany('printers', { ids: [1, 2] });
    expect(calls.map((c) => c.url.pathname)).toEqual(['/api/v1/printers/1', '/api/v1/printers/2']);
    expect(result.data).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('getManyReference filters the list by the target', async () => {
    const calls = mockFetch(json(200, { items: [{ id: 3 }], total: 1 }));
    const result = await dp.getManyReference('checks', {
      target: 'printer', id: 9, ...listParams(),
    });
    expect(calls[0].url.searchParams.get('printer')).toBe('9');
    expect(result).toEqual({ data: [{ id: 3 }], total: 1 });
  });

  it('create POSTs JSON and returns the created record', async () => {
    const calls = mockFetch(json(201, { id: 5, name: 'Bar', check_type: 'client' }));
    const result = await dp.create('printers', { data: { name: 'Bar', check_type: 'client', point_id: 1 } });
    expect(calls[0].method).toBe('POST');
    expect(calls[0].url.pathname).toBe('/api/v1/printers');
    expect(calls[0].headers.get('Content-Type')).toBe('application/json');
    expect(calls[0].body).toEqual({ name: 'Bar', check_type: 'client', point_id: 1 });
    expect(result.data.id).toBe(5);
  });

  it('create leaves out empty (null) inputs so the API uses its defaults', async () => {
    const calls = mockFetch(json(201, { id: 6 }));
    await dp.create('printers', { data: { name: 'Bar', api_key: null, point_id: 1, is_active: false } });
    expect(calls[0].body).toEqual({ name: 'Bar', point_id: 1, is_active: false });
  });

  it('update PATCHes only the changed fields', async () => {
    const previousData = { id: 5, name: 'Bar', point_id: 1, created_at: '2024-01-01T00:00:00Z' };
    const calls = mockFetch(json(200, { ...previousData, name: 'Bar 2' }));
    const result = await dp.update('printers', {
      id: 5, data: { ...previousData, name: 'Bar 2' }, previousData,
    });
    expect(calls[0].method).toBe('PATCH');
    expect(calls[0].url.pathname).toBe('/api/v1/printers/5');
    expect(calls[0].body).toEqual({ name: 'Bar 2' });
    expect(result.data.name).toBe('Bar 2');
  });

  it('delete deactivates and returns the record the API answers with', async () => {
    const calls = mockFetch(json(200, { id: 5, is_active: false }));
    const result = await dp.delete('users', { id: 5, previousData: { id: 5, is_active: true } });
    expect(calls[0].method).toBe('DELETE');
    expect(calls[0].url.pathname).toBe('/api/v1/users/5');
    expect(result.data).toEqual({ id: 5, is_active: false });
  });

  it('delete with 204 keeps the previous record', async () => {
    mockFetch(new Response(null, { status: 204 }));
    const result = await dp.delete('users', { id: 5, previousData: { id: 5 } });
    expect(result.data).toEqual({ id: 5 });
  });
});

describe('actions', () => {
  it.each([
    ['regeneratePrinterKey', [3], '/api/v1/printers/3/regenerate_key', {}],
    ['retryCheck', [8], '/api/v1/checks/8/retry', {}],
    ['reprintCheck', [8], '/api/v1/checks/8/reprint', {}],
    ['resetUserPassword', [2, 's3cret!'], '/api/v1/users/2/password', { password: 's3cret!' }],
  ])('%s POSTs to the action URL', async (method, args, path, body) => {
    const calls = mockFetch(json(200, { id: args[0] }));
    const result = await dp[method](...args);
    expect(calls[0].method).toBe('POST');
    expect(calls[0].url.pathname).toBe(path);
    expect(calls[0].body).toEqual(body);
    expect(calls[0].headers.get('Authorization')).toBe('Bearer tok-123');
    expect(result.data).toEqual({ id: args[0] });
  });

  it('getCheckPdf returns a Blob', async () => {
    const calls = mockFetch(new Response('%PDF-1.4', { status: 200, headers: { 'Content-Type': 'application/pdf' } }));
    const blob = await dp.getCheckPdf(4);
    expect(calls[0].url.pathname).toBe('/api/v1/checks/4/pdf');
    expect(calls[0].headers.get('Authorization')).toBe('Bearer tok-123');
    expect(blob.type).toBe('application/pdf');
    expect(await blob.text()).toBe('%PDF-1.4');
  });

  it('getCheckPdf rejects with the API message on 409', async () => {
    mockFetch(json(409, { error: 'PDF ещё не готов' }));
    await expect(dp.getCheckPdf(4)).rejects.toMatchObject({ status: 409, message: 'PDF ещё не готов' });
  });
});

describe('errors', () => {
  it('maps the error envelope to HttpError with form errors', async () => {
    mockFetch(json(400, { error: 'Invalid input', details: { name: ['Required.'], point_id: ['Not a number.', 'Too big.'] } }));
    const error = await dp.create('printers', { data: {} }).catch((e) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error.status).toBe(400);
    expect(error.message).toBe('Invalid input');
    expect(error.body.errors).toEqual({
      name: 'Required.',
      point_id: 'Not a number. Too big.',
      root: { serverError: 'Invalid input' },
    });
  });

  it.each([
    [401, 'rh.errors.unauthorized'],
    [403, 'rh.errors.forbidden'],
    [404, 'rh.errors.not_found'],
    [500, 'ra.notification.http_error'],
  ])('status %i without a body gets a translatable message', async (status, message) => {
    mockFetch(new Response('', { status }));
    await expect(dp.getOne('users', { id: 1 })).rejects.toMatchObject({ status, message });
  });

  it('keeps the API text for 403', async () => {
    mockFetch(json(403, { error: 'Недостаточно прав' }));
    await expect(dp.getList('users', listParams())).rejects.toMatchObject({
      status: 403, message: 'Недостаточно прав',
    });
  });

  it('a network failure is an HttpError with status 0', async () => {
    mockFetch(new TypeError('Failed to fetch'));
    await expect(dp.getOne('users', { id: 1 })).rejects.toMatchObject({
      status: 0, message: 'ra.notification.http_error',
    });
  });
});

describe('helpers', () => {
  it('buildListQuery defaults to the first page', () => {
    expect(buildListQuery({}).toString()).toBe('limit=50&offset=0');
  });

  it('changedFields drops id and unchanged values', () => {
    expect(changedFields({ id: 1, a: 1, b: [1], c: 3 }, { id: 1, a: 1, b: [1], c: 2 })).toEqual({ c: 3 });
    expect(changedFields({ id: 1, a: 1 })).toEqual({ a: 1 });
  });
});
