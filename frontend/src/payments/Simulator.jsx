import { useState } from 'react';
import CasinoIcon from '@mui/icons-material/Casino';
import SendIcon from '@mui/icons-material/Send';
import ReplayIcon from '@mui/icons-material/Replay';
import {
  Alert, Box, Button, Card, CardContent, Checkbox, FormControlLabel, Grid, MenuItem, TextField, Typography,
} from '@mui/material';
import { Title, useGetList, useTranslate } from 'react-admin';
import { API_URL, request } from '../httpClient';
import { formatMoney } from './common';

const today = () => new Date().toISOString().slice(0, 10);
const newOperationId = () => globalThis.crypto.randomUUID();
const asNumber = (text) => (/^-?\d+(\.\d+)?$/.test(String(text).trim()) ? Number(text) : text);

const Pre = ({ children, testid }) => (
  <Box component="pre" data-testid={testid}
    sx={{ bgcolor: 'action.hover', p: 1, borderRadius: 1, overflowX: 'auto', fontSize: 12, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
    {children}
  </Box>
);

/**
 * The bank webhook simulator: the server signs the webhook with its secret and posts it to its own
 * POST /api/v1/webhook/bank/ over HTTP, as a bank would; shown: request, response, balance before/after.
 */
export const Simulator = () => {
  const translate = useTranslate();
  const { data: organizations = [] } = useGetList('organizations', {
    pagination: { page: 1, perPage: 500 }, sort: { field: 'name', order: 'ASC' },
  });
  const [form, setForm] = useState({
    operation_id: newOperationId(), amount: '145000', payer_inn: '', document_number: 'PAY-1',
    document_date: today(), sign: true,
  });
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [pending, setPending] = useState(false);
  const set = (name) => (event) => setForm({ ...form, [name]: event.target.type === 'checkbox' ? event.target.checked : event.target.value });

  const send = async (fields) => {
    setPending(true);
    setError(null);
    try {
      const { json } = await request(`${API_URL}/payments/simulate`, {
        method: 'POST',
        body: { ...fields, amount: asNumber(fields.amount), document_date: `${fields.document_date}T00:00:00Z` },
      });
      setResult(json);
    } catch (e) {
      setError(e?.message || String(e));
    } finally {
      setPending(false);
    }
  };

  return (
    <Card sx={{ mt: 2 }} data-testid="simulator">
      <Title title="rh.payments.simulator" />
      <CardContent>
        <Typography variant="body2" color="text.secondary" gutterBottom>{translate('rh.payments.simulator_hint')}</Typography>
        <Grid container spacing={2}>
          <Grid item xs={12} md={6}>
            <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
              <TextField label="operation_id" value={form.operation_id} onChange={set('operation_id')} fullWidth
                inputProps={{ 'data-testid': 'sim-operation-id' }} />
              <Button onClick={() => setForm({ ...form, operation_id: newOperationId() })} startIcon={<CasinoIcon />}
                data-testid="sim-new-id">{translate('rh.payments.new_id')}</Button>
            </Box>
            <TextField select label={translate('resources.organizations.name', { smart_count: 1 })} fullWidth sx={{ mt: 2 }}
              value={organizations.some((o) => o.inn === form.payer_inn) ? form.payer_inn : ''}
              onChange={(e) => setForm({ ...form, payer_inn: e.target.value })}
              SelectProps={{ SelectDisplayProps: { 'data-testid': 'sim-organization' } }}>
              {organizations.map((o) => <MenuItem key={o.id} value={o.inn} data-value={o.inn}>{`${o.name} (${o.inn})`}</MenuItem>)}
            </TextField>
            <TextField label="payer_inn" value={form.payer_inn} onChange={set('payer_inn')} fullWidth sx={{ mt: 2 }}
              inputProps={{ 'data-testid': 'sim-inn' }} />
            <TextField label="amount" value={form.amount} onChange={set('amount')} fullWidth sx={{ mt: 2 }}
              inputProps={{ 'data-testid': 'sim-amount' }} />
            <TextField label="document_number" value={form.document_number} onChange={set('document_number')} fullWidth sx={{ mt: 2 }} />
            <TextField label="document_date" type="date" value={form.document_date} onChange={set('document_date')} fullWidth sx={{ mt: 2 }}
              InputLabelProps={{ shrink: true }} />
            <FormControlLabel control={<Checkbox checked={form.sign} onChange={set('sign')} />} label={translate('rh.payments.sign')} />
            <Box sx={{ display: 'flex', gap: 1, mt: 1 }}>
              <Button variant="contained" startIcon={<SendIcon />} disabled={pending} data-testid="sim-send"
                onClick={() => { const fields = { ...form, operation_id: form.operation_id || newOperationId() }; setForm(fields); send(fields); }}>
                {translate('rh.payments.send')}
              </Button>
              <Button variant="outlined" startIcon={<ReplayIcon />} disabled={pending || !result} data-testid="sim-send-again"
                onClick={() => send(form)}>
                {translate('rh.payments.send_again')}
              </Button>
              <Button onClick={() => { setForm({ ...form, operation_id: newOperationId() }); setResult(null); }}>
                {translate('rh.payments.next_operation')}
              </Button>
            </Box>
          </Grid>
          <Grid item xs={12} md={6}>
            {error && <Alert severity="error">{error}</Alert>}
            {result && (
              <Box data-testid="sim-result">
                <Typography variant="subtitle2">{translate('rh.payments.balance_before_after')}</Typography>
                <Typography variant="h6" data-testid="sim-balances"
                  data-before={result.balance_before ?? ''} data-after={result.balance_after ?? ''}>
                  {formatMoney(result.balance_before)} → {formatMoney(result.balance_after)}
                </Typography>
                <Typography variant="subtitle2" sx={{ mt: 1 }}>{translate('rh.payments.response')}</Typography>
                <Pre testid="sim-response" >{`HTTP ${result.response.status}\n${JSON.stringify(result.response.body, null, 2)}`}</Pre>
                <Typography variant="subtitle2">{translate('rh.payments.request')}</Typography>
                <Pre testid="sim-request">{`POST ${result.request.url}\n${Object.entries(result.request.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${result.request.body}`}</Pre>
                <Typography variant="subtitle2">curl</Typography>
                <Pre testid="sim-curl">{result.curl}</Pre>
              </Box>
            )}
          </Grid>
        </Grid>
      </CardContent>
    </Card>
  );
};

export default Simulator;
