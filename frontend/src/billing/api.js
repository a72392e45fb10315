// Billing's calls beyond CRUD: start a run, read it, the month's bills and their CSV, readings.
import { API_URL, request } from '../httpClient';

export const startRun = async (houseId, month, recalculate) =>
  (await request(`${API_URL}/houses/${houseId}/billing-runs`, { method: 'POST', body: { month, recalculate } })).json;

export const getRun = async (runId) => (await request(`${API_URL}/billing-runs/${runId}`)).json;

export const getRuns = async (params) =>
  (await request(`${API_URL}/billing-runs?${new URLSearchParams(params)}`)).json;

export const getBills = async (houseId, month) =>
  (await request(`${API_URL}/houses/${houseId}/bills?${new URLSearchParams({ month, limit: '500' })}`)).json;

export const downloadBillsCsv = async (houseId, month) => {
  const { blob } = await request(
    `${API_URL}/houses/${houseId}/bills?${new URLSearchParams({ month, format: 'csv' })}`,
    { responseType: 'blob' },
  );
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `bills-${houseId}-${month}.csv`;
  link.click();
  URL.revokeObjectURL(url);
};

export const getReadings = async (houseId, month) =>
  (await request(`${API_URL}/readings?${new URLSearchParams({ house: houseId, month, limit: '500' })}`)).json;

export const postReadings = async (readings) => {
  try {
    return (await request(`${API_URL}/readings`, { method: 'POST', body: { readings } })).json;
  } catch (error) {
    // Nothing stored is a 400 that still lists every row's outcome.
    if (error?.status === 400 && Array.isArray(error.body?.results)) return error.body;
    throw error;
  }
};

/** This month as YYYY-MM. */
export const thisMonth = () => new Date().toISOString().slice(0, 7);
