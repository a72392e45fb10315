// Per group: the shift panel (open, close with the Z report, X report), the receipts with filters by
// state, type and date, and a receipt's detail with its QR code drawn as an image.
import { useCallback, useEffect, useState } from 'react';
import {
  Box, Button as MuiButton, Card, CardContent, Chip, Dialog, DialogContent, DialogTitle, MenuItem, Table, TableBody,
  TableCell, TableHead, TableRow, TextField, Typography,
} from '@mui/material';
import { Title, useGetOne, useNotify, useTranslate } from 'react-admin';
import { useParams } from 'react-router-dom';
import { fiscalApi } from './api';
import { STATE_COLOR, ShiftLine } from './groups';

export const RECEIPT_TYPES = [1, 2, 4, 5, 7, 8, 9, 10];

const Report = ({ report }) => {
  const translate = useTranslate();
  if (!report) return null;
  const byType = Object.entries(report.totals?.by_type || {});
  const byPayment = Object.entries(report.totals?.by_payment || {});
  return (
    <Box data-testid="shift-report" sx={{ mt: 1 }}>
      <Typography variant="subtitle2">
        {translate(report.is_open ? 'rh.fiscal.x_report' : 'rh.fiscal.z_report')} №{report.number}:
        {' '}{translate('rh.fiscal.receipts_count', { count: report.receipts_count })}
      </Typography>
      {byType.map(([type, { count, total }]) => (
        <Typography key={type} variant="body2">{translate(`rh.fiscal.receipt_type.${type}`)}: {count} / {total}</Typography>
      ))}
      {byPayment.map(([type, sum]) => (
        <Typography key={type} variant="body2">{translate(`rh.fiscal.payment_type.${type}`)}: {sum}</Typography>
      ))}
    </Box>
  );
};

const ShiftPanel = ({ groupId }) => {
  const translate = useTranslate();
  const notify = useNotify();
  const [shift, setShift] = useState(null);
  const [report, setReport] = useState(null);
  const load = useCallback(() => fiscalApi.shift(groupId).then(setShift).catch(() => setShift(null)), [groupId]);
  useEffect(() => { load(); }, [load]);
  const run = (call) => async () => {
    try {
      setReport(await call(groupId));
      await load();
    } catch (error) {
      notify(error.message, { type: 'error' });
    }
  };
  return (
    <Card variant="outlined" sx={{ mb: 2 }} data-testid="shift-panel">
      <CardContent>
        <Typography variant="h6">{translate('rh.fiscal.shift')}</Typography>
        <ShiftLine shift={shift} />
        <Box sx={{ display: 'flex', gap: 1, mt: 1 }}>
          <MuiButton variant="outlined" onClick={run(fiscalApi.openShift)} data-testid="shift-open">{translate('rh.fiscal.open_shift')}</MuiButton>
          <MuiButton variant="outlined" onClick={run(fiscalApi.closeShift)} data-testid="shift-close">{translate('rh.fiscal.close_shift')}</MuiButton>
          <MuiButton variant="outlined" onClick={run(fiscalApi.shift)} data-testid="shift-x">{translate('rh.fiscal.x_report')}</MuiButton>
        </Box>
        <Report report={report} />
      </CardContent>
    </Card>
  );
};

const QrImage = ({ groupId, receipt }) => {
  const [url, setUrl] = useState(null);
  useEffect(() => {
    if (!receipt?.qr) return undefined;
    let objectUrl;
    fiscalApi.qrImage(groupId, receipt.id).then((blob) => {
      objectUrl = URL.createObjectURL(blob);
      setUrl(objectUrl);
    });
    return () => objectUrl && URL.revokeObjectURL(objectUrl);
  }, [groupId, receipt?.id, receipt?.qr]);
  if (!url) return null;
  return <img src={url} alt={receipt.qr} width={200} height={200} data-testid="receipt-qr" />;
};

const FIELDS = ['state', 'error', 'receipt_num', 'shift_num', 'receipt_in_shift_num', 'fiscal_sign',
  'registration_datetime', 'commodities_total_cost', 'payments_total', 'change', 'email', 'phone_number',
  'tax_system', 'fn_serial', 'registration_number', 'company_name', 'company_inn', 'qr'];

const ReceiptDialog = ({ groupId, receipt, onClose, onRetried }) => {
  const translate = useTranslate();
  const notify = useNotify();
  if (!receipt) return null;
  const retry = async () => {
    try {
      await fiscalApi.retry(groupId, receipt.id);
      notify('rh.fiscal.retried', { type: 'info' });
      onRetried();
    } catch (error) {
      notify(error.message, { type: 'error' });
    }
  };
  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth>
      <DialogTitle>{translate('rh.fiscal.receipt')} #{receipt.id}</DialogTitle>
      <DialogContent data-testid="receipt-detail">
        <QrImage groupId={groupId} receipt={receipt} />
        <Table size="small">
          <TableBody>
            {FIELDS.map((name) => (
              <TableRow key={name}>
                <TableCell>{name}</TableCell>
                <TableCell sx={{ wordBreak: 'break-all' }}>{receipt[name] === null ? '—' : String(receipt[name])}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <Typography variant="subtitle2" sx={{ mt: 1 }}>{translate('rh.fiscal.commodities')}</Typography>
        {receipt.commodities.map((c, i) => (
          <Typography key={i} variant="body2">{c.name}: {c.quantity} × {c.price}</Typography>
        ))}
        {receipt.state === 'error' && (
          <MuiButton variant="outlined" sx={{ mt: 1 }} onClick={retry} data-testid="receipt-retry">
            {translate('rh.fiscal.retry')}
          </MuiButton>
        )}
      </DialogContent>
    </Dialog>
  );
};

const Receipts = ({ groupId }) => {
  const translate = useTranslate();
  const notify = useNotify();
  const [filters, setFilters] = useState({ state: '', receiptType: '', from: '', to: '' });
  const [page, setPage] = useState({ items: [], total: 0 });
  const [open, setOpen] = useState(null);
  const load = useCallback(() => {
    const query = { ...filters,
      from: filters.from ? new Date(`${filters.from}T00:00:00`).toISOString() : '',
      to: filters.to ? new Date(`${filters.to}T23:59:59.999`).toISOString() : '' };
    fiscalApi.receipts(groupId, query).then(setPage).catch((error) => notify(error.message, { type: 'error' }));
  }, [groupId, filters, notify]);
  useEffect(() => { load(); }, [load]);
  const set = (name) => (event) => setFilters((f) => ({ ...f, [name]: event.target.value }));
  return (
    <Card variant="outlined">
      <CardContent>
        <Typography variant="h6">{translate('rh.fiscal.receipts')} ({page.total})</Typography>
        <Box sx={{ display: 'flex', gap: 2, my: 1, flexWrap: 'wrap' }}>
          <TextField select size="small" label={translate('rh.fiscal.filter_state')} value={filters.state}
            onChange={set('state')} sx={{ width: 180 }} inputProps={{ 'data-testid': 'filter-state' }}>
            <MenuItem value="">—</MenuItem>
            {['in_process', 'success', 'error'].map((s) => (
              <MenuItem key={s} value={s}>{translate(`rh.fiscal.state.${s}`)}</MenuItem>))}
          </TextField>
          <TextField select size="small" label={translate('rh.fiscal.filter_type')} value={filters.receiptType}
            onChange={set('receiptType')} sx={{ width: 240 }}>
            <MenuItem value="">—</MenuItem>
            {RECEIPT_TYPES.map((t) => (<MenuItem key={t} value={t}>{translate(`rh.fiscal.receipt_type.${t}`)}</MenuItem>))}
          </TextField>
          <TextField type="date" size="small" label={translate('rh.fiscal.from')} value={filters.from}
            onChange={set('from')} sx={{ width: 180 }} InputLabelProps={{ shrink: true }} />
          <TextField type="date" size="small" label={translate('rh.fiscal.to')} value={filters.to}
            onChange={set('to')} sx={{ width: 180 }} InputLabelProps={{ shrink: true }} />
          <MuiButton onClick={load} data-testid="receipts-refresh">{translate('ra.action.refresh')}</MuiButton>
        </Box>
        <Table size="small" data-testid="receipts-table">
          <TableHead>
            <TableRow>
              {['id', 'receiptType', 'state', 'receipt_num', 'commodities_total_cost', 'created_at'].map((n) => (
                <TableCell key={n}>{translate(`rh.fiscal.column.${n}`)}</TableCell>))}
            </TableRow>
          </TableHead>
          <TableBody>
            {page.items.map((r) => (
              <TableRow key={r.id} hover onClick={() => setOpen(r)} sx={{ cursor: 'pointer' }} data-testid="receipt-row">
                <TableCell>{r.id}</TableCell>
                <TableCell>{translate(`rh.fiscal.receipt_type.${r.receiptType}`)}</TableCell>
                <TableCell><Chip size="small" color={STATE_COLOR[r.state]} label={translate(`rh.fiscal.state.${r.state}`)} /></TableCell>
                <TableCell>{r.receipt_num ?? '—'}</TableCell>
                <TableCell>{r.commodities_total_cost}</TableCell>
                <TableCell>{new Date(r.created_at).toLocaleString()}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </CardContent>
      <ReceiptDialog groupId={groupId} receipt={open} onClose={() => setOpen(null)}
        onRetried={() => { setOpen(null); load(); }} />
    </Card>
  );
};

export const GroupPage = () => {
  const { id } = useParams();
  const { data: group } = useGetOne('service-groups', { id });
  return (
    <Box sx={{ mt: 2 }}>
      <Title title={group ? group.name : 'rh.fiscal.receipts'} />
      {group && (
        <Typography variant="h5" sx={{ mb: 2 }}>{group.name} · {group.model}</Typography>
      )}
      <ShiftPanel groupId={id} />
      <Receipts groupId={id} />
    </Box>
  );
};
