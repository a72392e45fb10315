// The one data provider for the whole Receipt Hub API (/api/v1/<resource>).
//
// Lists: GET ?limit&offset&sort&order&<filters> -> {"items": [...], "total": N}
// Records: GET|PATCH|DELETE /<resource>/<id>, POST /<resource>
// Actions: POST /<resource>/<id>/<action> (regenerate_key, retry, reprint, password)
import { API_URL, request } from './httpClient';

/** The API refuses pages larger than this; bigger requests (CSV export) are paged through. */
export const MAX_LIMIT = 500;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A filter value as a query string value:
 * booleans as true/false, dates as ISO; a date-only `*_from` is the start of that day
 * and a date-only `*_to` the end of it (the browser's time zone), so a range is inclusive.
 */
const filterValue = (key, value) => {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' && DATE_ONLY.test(value)) {
    if (key.endsWith('_from')) return new Date(`${value}T00:00:00`).toISOString();
    if (key.endsWith('_to')) return new Date(`${value}T23:59:59.999`).toISOString();
  }
  return String(value);
};

/** react-admin filter names that the API spells differently. */
const FILTER_ALIASES = { q: 'search' };

/** Query parameters for a list request. */
export const buildListQuery = ({ pagination, sort, filter } = {}, range) => {
  const query = new URLSearchParams();
  const page = pagination?.page || 1;
  const perPage = pagination?.perPage || 50;
  const { limit, offset } = range || { limit: perPage, offset: (page - 1) * perPage };
  query.set('limit', String(limit));
  query.set('offset', String(offset));
  if (sort?.field) {
    query.set('sort', sort.field);
    query.set('order', String(sort.order || 'ASC').toLowerCase() === 'desc' ? 'desc' : 'asc');
  }
  Object.entries(filter || {}).forEach(([key, value]) => {
    if (value === undefined || value === null || value === '') return;
    if (typeof value === 'object' && !(value instanceof Date) && !Array.isArray(value)) return;
    const name = FILTER_ALIASES[key] || key;
    if (Array.isArray(value)) {
      value.forEach((v) => query.append(name, filterValue(name, v)));
    } else {
      query.set(name, filterValue(name, value));
    }
  });
  return query;
};

/** Only the fields the user changed, so PATCH never sends read-only fields back. */
export const changedFields = (data, previousData) => {
  const out = {};
  Object.entries(data || {}).forEach(([key, value]) => {
    if (key === 'id') return;
    if (previousData && JSON.stringify(previousData[key]) === JSON.stringify(value)) return;
    out[key] = value;
  });
  return out;
};

/** An empty input is null in react-admin; on create, "not given" lets the API use its default. */
export const withoutNulls = (data) =>
  Object.fromEntries(Object.entries(data || {}).filter(([, value]) => value !== null && value !== undefined));

export const createDataProvider = ({ apiUrl = API_URL } = {}) => {
  const resourceUrl = (resource, id, action) => {
    let url = `${apiUrl}/${resource}`;
    if (id !== undefined) url += `/${encodeURIComponent(id)}`;
    if (action) url += `/${action}`;
    return url;
  };

  const fetchPage = async (resource, params, range) => {
    const query = buildListQuery(params, range);
    const { json } = await request(`${resourceUrl(resource)}?${query}`, { signal: params?.signal });
    return { items: json?.items ?? [], total: json?.total ?? 0 };
  };

  const getList = async (resource, params = {}) => {
    const page = params.pagination?.page || 1;
    const perPage = params.pagination?.perPage || 50;
    if (perPage <= MAX_LIMIT) {
      const { items, total } = await fetchPage(resource, params);
      return { data: items, total };
    }
    // A page larger than the API allows (CSV export): walk through it MAX_LIMIT rows at a time.
    const start = (page - 1) * perPage;
    const end = start + perPage;
    const data = [];
    let total = 0;
    for (let offset = start; offset < end; offset += MAX_LIMIT) {
      const limit = Math.min(MAX_LIMIT, end - offset);
      const chunk = await fetchPage(resource, params, { limit, offset });
      total = chunk.total;
      data.push(...chunk.items);
      if (chunk.items.length < limit || offset + limit >= total) break;
    }
    return { data, total };
  };

  const getOne = async (resource, { id, signal } = {}) => {
    const { json } = await request(resourceUrl(resource, id), { signal });
    return { data: json };
  };

  const update = async (resource, { id, data, previousData }) => {
    const { json } = await request(resourceUrl(resource, id), {
      method: 'PATCH',
      body: changedFields(data, previousData),
    });
    return { data: json ?? { ...previousData, ...data, id } };
  };

  // DELETE deactivates (printers, users) and answers with the record; 204 keeps the old one.
  const remove = async (resource, { id, previousData }) => {
    const { json } = await request(resourceUrl(resource, id), { method: 'DELETE' });
    return { data: json ?? previousData ?? { id } };
  };

  const action = async (resource, id, name, body) => {
    const { json } = await request(resourceUrl(resource, id, name), {
      method: 'POST',
      body: body ?? {},
    });
    return { data: json };
  };

  return {
    getList,
    getOne,
    getMany: async (resource, { ids, signal } = {}) => {
      const records = await Promise.all(ids.map((id) => getOne(resource, { id, signal })));
      return { data: records.map((r) => r.data) };
    },
    getManyReference: (resource, { target, id, filter, ...rest }) =>
      getList(resource, { ...rest, filter: { ...filter, [target]: id } }),
    create: async (resource, { data }) => {
      const { json } = await request(resourceUrl(resource), {
        method: 'POST',
        body: withoutNulls(data),
      });
      return { data: json };
    },
    update,
    updateMany: async (resource, { ids, data }) => {
      await Promise.all(ids.map((id) => update(resource, { id, data })));
      return { data: ids };
    },
    delete: remove,
    deleteMany: async (resource, { ids }) => {
      await Promise.all(ids.map((id) => remove(resource, { id })));
      return { data: ids };
    },

    // Actions beyond CRUD.
    action,
    /** GET `${apiUrl}/${path}` as JSON (a module's figures for its home-page cards). */
    getJson: async (path, { signal } = {}) => (await request(`${apiUrl}/${path}`, { signal })).json,
    regeneratePrinterKey: (id) => action('printers', id, 'regenerate_key'),
    retryCheck: (id) => action('checks', id, 'retry'),
    reprintCheck: (id) => action('checks', id, 'reprint'),
    resetUserPassword: (id, password) => action('users', id, 'password', { password }),
    /** The check's PDF as a Blob (HttpError 409 while it is not rendered yet). */
    getCheckPdf: async (id, { signal } = {}) => {
      const { blob } = await request(resourceUrl('checks', id, 'pdf'), {
        responseType: 'blob',
        signal,
      });
      return blob;
    },
  };
};

export const dataProvider = createDataProvider();
export default dataProvider;
