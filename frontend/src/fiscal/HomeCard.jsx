// Home-page card: devices stopped or in error, and shifts near their 24 hours.
import { Card, CardContent, CardHeader, Typography } from '@mui/material';
import { useGetList, useTranslate } from 'react-admin';

const NEAR_HOURS = 20;

export const FiscalCard = () => {
  const translate = useTranslate();
  const { data } = useGetList('service-groups', { pagination: { page: 1, perPage: 500 } });
  const groups = data || [];
  const down = groups.filter((g) => g.state !== 'running');
  const near = groups.filter((g) => g.shift && (g.shift.expired
    || Date.now() - Date.parse(g.shift.opened_at) > NEAR_HOURS * 3600 * 1000));
  return (
    <Card>
      <CardHeader title={translate('rh.fiscal.card_title')} />
      <CardContent>
        <Typography variant="body2" data-testid="fiscal-down">
          {translate('rh.fiscal.card_down', { count: down.length })}
          {down.length > 0 ? `: ${down.map((g) => g.name).join(', ')}` : ''}
        </Typography>
        <Typography variant="body2" data-testid="fiscal-near">
          {translate('rh.fiscal.card_near', { count: near.length })}
          {near.length > 0 ? `: ${near.map((g) => g.name).join(', ')}` : ''}
        </Typography>
      </CardContent>
    </Card>
  );
};
