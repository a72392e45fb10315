import { useEffect, useState } from 'react';
import { Button, Card, CardContent, CardHeader, Typography } from '@mui/material';
import { Link, useDataProvider, usePermissions, useTranslate } from 'react-admin';
import { API_URL, request } from '../httpClient';

/** Home-page card: unmatched payments, conflicts, refusals and the last reconciliation. */
export const PaymentsCard = () => {
  const translate = useTranslate();
  const dataProvider = useDataProvider();
  const { permissions } = usePermissions();
  const [summary, setSummary] = useState(null);
  const load = () => request(`${API_URL}/payments/summary`).then(({ json }) => setSummary(json)).catch(() => null);
  useEffect(() => { load(); }, [dataProvider]);
  const reconcile = () => request(`${API_URL}/payments/reconciliation`, { method: 'POST', body: {} })
    .then(load).catch(() => null);
  if (!summary) return null;
  const { reconciliation } = summary;
  return (
    <Card>
      <CardHeader title={translate('rh.payments.card_title')} />
      <CardContent>
        <Typography data-testid="payments-unmatched">
          <Link to="/payments?filter=%7B%22status%22%3A%22unmatched%22%7D">
            {translate('rh.payments.unmatched_count', { count: summary.unmatched })}
          </Link>
        </Typography>
        <Typography data-testid="payments-conflicts">
          {(permissions || []).includes('payments:deliveries:read') ? (
            <Link to="/webhook-deliveries?filter=%7B%22outcome%22%3A%22conflict%22%7D">
              {translate('rh.payments.conflicts_count', { count: summary.conflicts })}
            </Link>
          ) : translate('rh.payments.conflicts_count', { count: summary.conflicts })}
        </Typography>
        <Typography data-testid="payments-reconciliation" color={reconciliation.ok ? 'success.main' : 'error'}>
          {reconciliation.checked_at
            ? translate(reconciliation.ok ? 'rh.payments.reconciled_ok' : 'rh.payments.reconciled_bad',
              { count: reconciliation.mismatches.length, when: new Date(reconciliation.checked_at).toLocaleString() })
            : translate('rh.payments.not_reconciled')}
        </Typography>
        {reconciliation.mismatches.map((m) => (
          <Typography key={m.inn} variant="body2" color="error">
            {`${m.name} (${m.inn}): ${m.balance} ≠ ${m.log_total} / ${m.payments_total}`}
          </Typography>
        ))}
        <Button size="small" onClick={reconcile} sx={{ mt: 1 }}>{translate('rh.payments.reconcile_now')}</Button>
      </CardContent>
    </Card>
  );
};

export default PaymentsCard;
