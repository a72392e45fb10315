import { useEffect, useState } from 'react';
import {
  Alert, Box, Button, Card, CardContent, CardHeader, MenuItem, Table, TableBody, TableCell, TableHead, TableRow,
  TextField, Typography,
} from '@mui/material';
import { Title, useTranslate } from 'react-admin';
import { getJson } from './api';
import { CategoryChart, RevenueChart } from './charts';

const useLoad = (load, deps) => {
  const [state, setState] = useState({ data: null, error: null });
  useEffect(() => {
    let live = true;
    load().then((data) => live && setState({ data, error: null }))
      .catch((error) => live && setState({ data: null, error: error?.body?.error || String(error?.message || error) }));
    return () => { live = false; };
  }, deps); // eslint-disable-line react-hooks/exhaustive-deps
  return state;
};

const isoOrEmpty = (value) => (value ? new Date(value).toISOString() : '');

const toCsv = (places) => {
  const header = ['place_id', 'place_name', 'total_purchases', 'total_amount', 'average_receipt', 'total_vat',
    'total_tips', 'category', 'category_total_spent', 'category_average_receipt'];
  const quote = (v) => `"${String(v ?? '').replace(/"/g, '""')}"`;
  const lines = [header.join(',')];
  places.forEach((p) => {
    const base = [p.place_id, p.place_name, p.total_purchases, p.total_amount, p.average_receipt,
      p.taxes_amount.total_vat, p.taxes_amount.total_tips];
    const categories = Object.entries(p.category_analytics);
    if (!categories.length) lines.push([...base, '', '', ''].map(quote).join(','));
    categories.forEach(([name, c]) => lines.push([...base, name, c.total_spent, c.average_receipt].map(quote).join(',')));
  });
  return `${lines.join('\n')}\n`;
};

const download = (text, name) => {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  URL.revokeObjectURL(url);
};

/** Analytics for a period: each place's figures, charts, CSV export. */
export const AnalyticsPage = () => {
  const translate = useTranslate();
  const [period, setPeriod] = useState({ from: '', to: '', place_id: '' });
  const [applied, setApplied] = useState(period);
  const params = { from: isoOrEmpty(applied.from), to: isoOrEmpty(applied.to), place_id: applied.place_id };
  const { data, error } = useLoad(() => getJson('/analytics/', params), [applied]);
  const { data: hours } = useLoad(() => getJson('/analytics/hours/', params), [applied]);
  const field = (name, type) => (
    <TextField
      size="small" type={type} label={translate(`rh.analytics.${name}`)} value={period[name]}
      InputLabelProps={{ shrink: true }} inputProps={{ 'data-testid': `period-${name}` }}
      onChange={(event) => setPeriod({ ...period, [name]: event.target.value })}
    />
  );
  return (
    <Box sx={{ mt: 2 }} data-testid="analytics-page">
      <Title title="rh.analytics.title" />
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', mb: 2 }}>
        {field('from', 'datetime-local')}
        {field('to', 'datetime-local')}
        {field('place_id', 'text')}
        <Button variant="contained" onClick={() => setApplied(period)} data-testid="period-apply">
          {translate('rh.analytics.apply')}
        </Button>
        <Button disabled={!data} onClick={() => download(toCsv(data.places), 'analytics.csv')} data-testid="csv-export">
          {translate('rh.analytics.csv')}
        </Button>
      </Box>
      {error && <Alert severity="error">{error}</Alert>}
      {data && (
        <>
          <Card sx={{ mb: 2 }}>
            <CardHeader title={translate('rh.analytics.overall')} />
            <CardContent data-testid="overall">
              <Typography>
                {translate('rh.analytics.purchases')}: {data.overall.total_purchases} ·{' '}
                {translate('rh.analytics.total')}: {data.overall.total_amount} ·{' '}
                {translate('rh.analytics.average')}: {data.overall.average_receipt} · VAT:{' '}
                {data.overall.taxes_amount.total_vat} · {translate('rh.analytics.tips')}:{' '}
                {data.overall.taxes_amount.total_tips}
              </Typography>
            </CardContent>
          </Card>
          <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { md: '3fr 2fr', xs: '1fr' }, mb: 2 }}>
            <Card>
              <CardHeader title={translate('rh.analytics.revenue_chart')} />
              <CardContent>{hours && <RevenueChart hours={hours.items} />}</CardContent>
            </Card>
            <Card>
              <CardHeader title={translate('rh.analytics.category_chart')} />
              <CardContent><CategoryChart categories={data.overall.category_analytics} /></CardContent>
            </Card>
          </Box>
          <Card>
            <Table size="small" data-testid="analytics-places">
              <TableHead>
                <TableRow>
                  {['place', 'purchases', 'total', 'average', 'vat', 'tips'].map((name) => (
                    <TableCell key={name}>{translate(`rh.analytics.${name}`)}</TableCell>
                  ))}
                </TableRow>
              </TableHead>
              <TableBody>
                {data.places.map((p) => (
                  <TableRow key={p.place_id} data-place={p.place_id}>
                    <TableCell>{p.place_name} ({p.place_id})</TableCell>
                    <TableCell>{p.total_purchases}</TableCell>
                    <TableCell>{p.total_amount}</TableCell>
                    <TableCell>{p.average_receipt}</TableCell>
                    <TableCell>{p.taxes_amount.total_vat}</TableCell>
                    <TableCell>{p.taxes_amount.total_tips}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Card>
        </>
      )}
    </Box>
  );
};

const SimpleTable = ({ columns, rows, testid }) => (
  <Table size="small" data-testid={testid}>
    <TableHead>
      <TableRow>{columns.map(([name, label]) => <TableCell key={name}>{label}</TableCell>)}</TableRow>
    </TableHead>
    <TableBody>
      {rows.map((row) => (
        <TableRow key={row.id ?? row.place_id}>
          {columns.map(([name]) => (
            <TableCell key={name} sx={{ maxWidth: 420, overflowWrap: 'anywhere' }}>
              {typeof row[name] === 'object' && row[name] !== null ? JSON.stringify(row[name]) : String(row[name] ?? '')}
            </TableCell>
          ))}
        </TableRow>
      ))}
    </TableBody>
  </Table>
);

/** Places with their totals. */
export const PlacesPage = () => {
  const translate = useTranslate();
  const { data, error } = useLoad(() => getJson('/places/', { limit: 500 }), []);
  const t = (name) => translate(`rh.analytics.${name}`);
  return (
    <Card sx={{ mt: 2 }}>
      <Title title="rh.analytics.places" />
      {error && <Alert severity="error">{error}</Alert>}
      {data && (
        <SimpleTable
          testid="places-table"
          rows={data.items}
          columns={[['place_id', 'ID'], ['place_name', t('place')], ['total_purchases', t('purchases')],
            ['total_amount', t('total')], ['average_receipt', t('average')]]}
        />
      )}
    </Card>
  );
};

const STATUSES = ['', 'accepted', 'duplicate', 'conflict', 'rejected'];

/** The receipt event log (rejected receipts with their reasons), the outbox lag and dead letters. */
export const EventsPage = () => {
  const translate = useTranslate();
  const t = (name) => translate(`rh.analytics.${name}`);
  const [status, setStatus] = useState('rejected');
  const { data: events } = useLoad(
    () => getJson('/v1/analytics/events', { status, sort: 'id', order: 'desc', limit: 100 }), [status]);
  const { data: outbox } = useLoad(() => getJson('/v1/analytics/outbox'), []);
  const { data: letters } = useLoad(() => getJson('/v1/analytics/dead_letters', { order: 'desc', limit: 100 }), []);
  return (
    <Box sx={{ mt: 2, display: 'grid', gap: 2 }}>
      <Title title="rh.analytics.events" />
      {outbox && <OutboxFigures outbox={outbox} />}
      <Card>
        <CardHeader
          title={t('events')}
          action={(
            <TextField
              select size="small" value={status} label={t('status')} sx={{ minWidth: 160 }}
              onChange={(event) => setStatus(event.target.value)} inputProps={{ 'data-testid': 'event-status' }}
            >
              {STATUSES.map((s) => <MenuItem key={s} value={s}>{s || '—'}</MenuItem>)}
            </TextField>
          )}
        />
        {events && (
          <SimpleTable
            testid="events-table"
            rows={events.items}
            columns={[['created_at', t('time')], ['transaction_id', 'transaction_id'], ['status', t('status')],
              ['reason', t('reason')], ['details', t('details')], ['username', t('user')]]}
          />
        )}
      </Card>
      <Card>
        <CardHeader title={t('dead_letters')} />
        {letters && (
          <SimpleTable
            testid="dead-letters-table"
            rows={letters.items}
            columns={[['created_at', t('time')], ['partition', 'partition'], ['offset', 'offset'],
              ['error', t('reason')], ['value', t('details')]]}
          />
        )}
      </Card>
    </Box>
  );
};

const OutboxFigures = ({ outbox }) => {
  const translate = useTranslate();
  const t = (name) => translate(`rh.analytics.${name}`);
  return (
    <Card data-testid="outbox-card">
      <CardHeader title={t('pipeline')} />
      <CardContent>
        <Typography>{t('unsent')}: {outbox.unsent} ({t('lag')}: {Math.round(outbox.lag_seconds)} s)</Typography>
        <Typography>{t('dead_letters')}: {outbox.dead_letters}</Typography>
        <Typography>{t('receipts_today')}: {outbox.receipts_today}</Typography>
        {outbox.last_error && <Alert severity="warning">{outbox.last_error}</Alert>}
      </CardContent>
    </Card>
  );
};

/** The home-page card. */
export const PipelineCard = () => {
  const { data } = useLoad(() => getJson('/v1/analytics/outbox'), []);
  return data ? <OutboxFigures outbox={data} /> : null;
};
