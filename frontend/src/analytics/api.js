// Analytics' own endpoints live under /api/ (the seed's paths), the admin ones under /api/v1/.
import { API_URL, request } from '../httpClient';

export const ROOT = API_URL.replace(/\/v1$/, '');

export const getJson = async (path, params = {}) => {
  const query = new URLSearchParams(
    Object.entries(params).filter(([, value]) => value !== undefined && value !== null && value !== ''),
  );
  const { json } = await request(`${ROOT}${path}${query.toString() ? `?${query}` : ''}`);
  return json;
};
