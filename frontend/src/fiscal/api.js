// The fiscal endpoints that are not plain /api/v1 resources: the seed's /service_groups/{id}/...
// services, device start/stop and the access list. All through the one httpClient.
import { API_URL, request } from '../httpClient';

const ROOT = API_URL.replace(/\/api\/v1$/, '');

export const groupUrl = (groupId, path = '') => `${ROOT}/service_groups/${groupId}${path}`;

export const fiscalApi = {
  receipts: async (groupId, filters = {}) => {
    const query = new URLSearchParams({ limit: '100', sort: 'id', order: 'desc' });
    Object.entries(filters).forEach(([key, value]) => {
      if (value !== '' && value !== undefined && value !== null) query.set(key, value);
    });
    const { json } = await request(`${groupUrl(groupId, '/receipts/')}?${query}`);
    return json;
  },
  receipt: async (groupId, id) => (await request(groupUrl(groupId, `/receipts/${id}`))).json,
  retry: async (groupId, id) =>
    (await request(groupUrl(groupId, `/receipts/${id}/retry`), { method: 'POST', body: {} })).json,
  qrImage: async (groupId, id) =>
    (await request(groupUrl(groupId, `/receipts/${id}/qr`), { responseType: 'blob' })).blob,
  shift: async (groupId) => {
    try {
      return (await request(groupUrl(groupId, '/shift'))).json;
    } catch (error) {
      if (error.status === 404) return null;
      throw error;
    }
  },
  openShift: async (groupId) => (await request(groupUrl(groupId, '/shift/open'), { method: 'POST', body: {} })).json,
  closeShift: async (groupId) => (await request(groupUrl(groupId, '/shift/close'), { method: 'POST', body: {} })).json,
  device: async (groupId, action) =>
    (await request(`${API_URL}/service-groups/${groupId}/device/${action}`, { method: 'POST', body: {} })).json,
  access: async (groupId) => (await request(`${API_URL}/service-groups/${groupId}/access`)).json,
  setAccess: async (groupId, userIds) =>
    (await request(`${API_URL}/service-groups/${groupId}/access`, { method: 'PUT', body: { user_ids: userIds } })).json,
  cashiers: async () => (await request(`${API_URL}/users?role=cashier&limit=500`)).json,
};
