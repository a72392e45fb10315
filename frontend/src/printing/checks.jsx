import { useEffect, useState } from 'react';
import ReceiptIcon from '@mui/icons-material/Receipt';
import ReplayIcon from '@mui/icons-material/Replay';
import PrintIcon from '@mui/icons-material/Print';
import {
  Alert,
  Box,
  Card,
  CardContent,
  Chip,
  CircularProgress,
  Link,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
  useMediaQuery,
} from '@mui/material';
import jsonExport from 'jsonexport/dist';
import {
  Button,
  DataTable,
  DateInput,
  downloadCSV,
  Labeled,
  List,
  ListButton,
  NumberField,
  NumberInput,
  ReferenceInput,
  SelectField,
  SelectInput,
  Show,
  BooleanInput,
  SimpleList,
  TextField,
  TopToolbar,
  useDataProvider,
  useLocaleState,
  useRecordContext,
  useTranslate,
} from 'react-admin';
import {
  DateTimeField,
  ListActions,
  checkStatusChoices,
  formatDateTime,
  formatMoney,
  lineTotal,
  orderTotal,
  checkTypeChoices,
  listSx,
  useRecordAction,
} from '../common';

const STATUS_COLORS = { new: 'warning', rendered: 'info', printed: 'success' };

/** The check's status as a coloured chip; a `new` check with a render error is red. */
export const StatusChip = () => {
  const record = useRecordContext();
  const translate = useTranslate();
  if (!record) return null;
  const failed = record.status === 'new' && record.render_error;
  const color = failed ? 'error' : STATUS_COLORS[record.status];
  return (
    <Chip
      size="small"
      color={color || 'default'}
      label={failed ? translate('rh.checks.failed') : translate(`rh.choices.status.${record.status}`, { _: record.status })}
      data-status={record.status}
    />
  );
};

const printerOption = (printer) => `${printer.name} (#${printer.point_id})`;

const checkFilters = [
  <ReferenceInput
    key="printer"
    source="printer"
    reference="printers"
    perPage={500}
    sort={{ field: 'name', order: 'ASC' }}
    alwaysOn
  >
    <SelectInput optionText={printerOption} />
  </ReferenceInput>,
  <SelectInput key="type" source="type" choices={checkTypeChoices} alwaysOn />,
  <SelectInput key="status" source="status" choices={checkStatusChoices} alwaysOn />,
  <NumberInput key="order_id" source="order_id" />,
  <NumberInput key="point_id" source="point_id" />,
  <DateInput key="created_from" source="created_from" />,
  <DateInput key="created_to" source="created_to" />,
  <BooleanInput key="failed" source="failed" />,
];

/** CSV of the filtered checks: one row per check, the order flattened to its main fields. */
export const checkExporter = (checks) => {
  const rows = checks.map((check) => ({
    id: check.id,
    order_id: check.order_id,
    printer: check.printer,
    printer_name: check.printer_name,
    point_id: check.point_id,
    type: check.type,
    status: check.status,
    render_attempts: check.render_attempts,
    render_error: check.render_error ?? '',
    created_at: check.created_at,
    rendered_at: check.rendered_at ?? '',
    printed_at: check.printed_at ?? '',
    order_price: check.order?.price ?? '',
    order_address: check.order?.address ?? '',
    client_name: check.order?.client?.name ?? '',
    client_phone: check.order?.client?.phone ?? '',
    items: (check.order?.items || []).map((i) => `${i.name} x${i.quantity}`).join('; '),
  }));
  jsonExport(rows, (err, csv) => {
    if (!err) downloadCSV(csv, 'checks');
  });
};

/** A check on a phone: order and printer, then its status chip and when it was created. */
const CheckListItem = () => {
  const record = useRecordContext();
  const translate = useTranslate();
  const [locale] = useLocaleState();
  if (!record) return null;
  return (
    <Stack direction="row" spacing={1} alignItems="center" justifyContent="space-between" sx={{ minWidth: 0 }}>
      <Box sx={{ minWidth: 0 }}>
        <Typography variant="body1" noWrap>
          {translate('rh.checks.order')} {record.order_id} · {translate(`rh.choices.check_type.${record.type}`, { _: record.type })}
        </Typography>
        <Typography variant="body2" color="text.secondary" noWrap data-testid="check-list-printer">
          {record.printer_name ?? record.printer} · {formatDateTime(record.created_at, locale)}
        </Typography>
      </Box>
      <Box sx={{ flexShrink: 0 }}><StatusChip /></Box>
    </Stack>
  );
};

export const CheckList = () => {
  const isSmall = useMediaQuery((theme) => theme.breakpoints.down('sm'));
  return (
    <List
      filters={checkFilters}
      actions={<ListActions />}
      exporter={checkExporter}
      sort={{ field: 'id', order: 'DESC' }}
      perPage={25}
      sx={listSx}
    >
      {isSmall ? (
        <SimpleList primaryText={() => <CheckListItem />} rowClick="show" />
      ) : (
        <DataTable rowClick="show" bulkActionButtons={false}>
          <DataTable.Col source="id" />
          <DataTable.Col source="order_id" />
          <DataTable.Col source="printer" render={(r) => r.printer_name ?? r.printer} disableSort />
          <DataTable.Col source="point_id" disableSort />
          <DataTable.Col source="type">
            <SelectField source="type" choices={checkTypeChoices} />
          </DataTable.Col>
          <DataTable.Col source="status">
            <StatusChip />
          </DataTable.Col>
          <DataTable.Col source="render_attempts" disableSort />
          <DataTable.Col source="created_at">
            <DateTimeField source="created_at" />
          </DataTable.Col>
          <DataTable.Col source="printed_at">
            <DateTimeField source="printed_at" />
          </DataTable.Col>
        </DataTable>
      )}
    </List>
  );
};

/** Retry (re-render) or reprint (back to rendered) through the API, then reload the check. */
const CheckActionButton = ({ action, success, label, icon, disabledFor, testId }) => {
  const record = useRecordContext();
  const { run, pending } = useRecordAction((dataProvider, check) => dataProvider[action](check.id), success);
  if (!record) return null;
  return (
    <Button label={label} onClick={() => run(record)} disabled={pending || disabledFor(record)} data-testid={testId}>
      {icon}
    </Button>
  );
};

const CheckShowActions = () => (
  <TopToolbar>
    <CheckActionButton
      action="retryCheck"
      success="rh.checks.retried"
      label="rh.checks.retry"
      testId="check-retry"
      icon={<ReplayIcon />}
      disabledFor={(r) => r.status !== 'new'}
    />
    <CheckActionButton
      action="reprintCheck"
      success="rh.checks.reprinted"
      label="rh.checks.reprint"
      testId="check-reprint"
      icon={<PrintIcon />}
      disabledFor={(r) => r.status === 'new'}
    />
    <ListButton />
  </TopToolbar>
);


/** The order JSON as a person reads it: items with sums, total, address and client. */
const OrderDetails = () => {
  const record = useRecordContext();
  const translate = useTranslate();
  const isSmall = useMediaQuery((theme) => theme.breakpoints.down('sm'));
  if (!record) return null;
  const order = record.order || {};
  const items = Array.isArray(order.items) ? order.items : [];
  return (
    <Box data-testid="check-order">
      <Typography variant="h6" gutterBottom>
        {translate('rh.checks.order_number', { id: order.id ?? record.order_id })}
      </Typography>
      {isSmall ? (
        // A phone: each item as the 80 mm receipt prints it, the name above "2 × price" and the sum.
        <Box>
          {items.map((item, index) => (
            <Box key={index} sx={{ py: 1, borderBottom: 1, borderColor: 'divider' }}>
              <Typography variant="body2">{item.name}</Typography>
              <Stack direction="row" justifyContent="space-between" spacing={2}>
                <Typography variant="body2" color="text.secondary" sx={{ whiteSpace: 'nowrap' }}>
                  {item.quantity} × {formatMoney(item.unit_price)}
                </Typography>
                <Typography variant="body2" sx={{ whiteSpace: 'nowrap' }}>{formatMoney(lineTotal(item))}</Typography>
              </Stack>
            </Box>
          ))}
          <Stack direction="row" justifyContent="space-between" sx={{ pt: 1, fontWeight: 'bold' }}>
            <span>{translate('rh.checks.total')}</span>
            <span data-testid="check-total" style={{ whiteSpace: 'nowrap' }}>{formatMoney(orderTotal(order))}</span>
          </Stack>
        </Box>
      ) : (
      <Box sx={{ overflowX: 'auto' }}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{translate('rh.checks.item_name')}</TableCell>
              <TableCell align="right">{translate('rh.checks.quantity')}</TableCell>
              <TableCell align="right">{translate('rh.checks.unit_price')}</TableCell>
              <TableCell align="right">{translate('rh.checks.line_total')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {items.map((item, index) => (
              <TableRow key={index}>
                <TableCell>{item.name}</TableCell>
                <TableCell align="right">{item.quantity}</TableCell>
                <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>{formatMoney(item.unit_price)}</TableCell>
                <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>{formatMoney(lineTotal(item))}</TableCell>
              </TableRow>
            ))}
            <TableRow>
              <TableCell colSpan={3} sx={{ fontWeight: 'bold' }}>{translate('rh.checks.total')}</TableCell>
              <TableCell align="right" sx={{ fontWeight: 'bold', whiteSpace: 'nowrap' }} data-testid="check-total">
                {formatMoney(orderTotal(order))}
              </TableCell>
            </TableRow>
          </TableBody>
        </Table>
      </Box>
      )}
      <Stack spacing={1} sx={{ mt: 2 }}>
        <Typography variant="body2">
          <b>{translate('rh.checks.address')}:</b> {order.address || '—'}
        </Typography>
        <Typography variant="body2">
          <b>{translate('rh.checks.client')}:</b> {order.client?.name || '—'}
          {order.client?.phone ? `, ${order.client.phone}` : ''}
        </Typography>
      </Stack>
    </Box>
  );
};

/** The PDF fetched with the Bearer token and shown in the page; the API's message when there is none. */
export const PdfPreview = () => {
  const record = useRecordContext();
  const dataProvider = useDataProvider();
  const translate = useTranslate();
  const [state, setState] = useState({ loading: true });
  const id = record?.id;
  const version = `${record?.status}|${record?.rendered_at}`;

  useEffect(() => {
    if (id === undefined) return undefined;
    const controller = new AbortController();
    let url;
    setState({ loading: true });
    dataProvider
      .getCheckPdf(id, { signal: controller.signal })
      .then((blob) => {
        url = URL.createObjectURL(blob.type ? blob : new Blob([blob], { type: 'application/pdf' }));
        setState({ url });
      })
      .catch((error) => {
        if (error?.name === 'AbortError') return;
        setState({ error: error?.message || 'rh.checks.no_pdf', status: error?.status });
      });
    return () => {
      controller.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [dataProvider, id, version]);

  if (state.loading) {
    return (
      <Stack direction="row" spacing={1} alignItems="center">
        <CircularProgress size={20} />
        <span>{translate('rh.checks.pdf_loading')}</span>
      </Stack>
    );
  }
  if (state.error) {
    return (
      <Alert severity={state.status === 409 ? 'info' : 'error'} data-testid="pdf-message">
        {translate(state.error, { _: state.error })}
      </Alert>
    );
  }
  return (
    <Stack spacing={1}>
      <Stack direction="row" spacing={2}>
        <Link href={state.url} download={`check-${id}.pdf`}>{translate('rh.checks.pdf_download')}</Link>
        <Link href={state.url} target="_blank" rel="noopener">{translate('rh.checks.pdf_open')}</Link>
      </Stack>
      <Box
        component="iframe"
        title={translate('rh.checks.pdf')}
        src={state.url}
        data-testid="pdf-frame"
        sx={{ width: '100%', height: { xs: '60vh', lg: '75vh' }, border: 1, borderColor: 'divider' }}
      />
    </Stack>
  );
};

const RenderError = () => {
  const record = useRecordContext();
  const translate = useTranslate();
  if (!record?.render_error) return null;
  return (
    <Alert severity="error" data-testid="render-error">
      <b>{translate('rh.checks.render_error')}:</b> {record.render_error}
    </Alert>
  );
};

const CheckDetails = () => (
  <Box
    sx={{
      display: 'grid',
      gap: 2,
      p: { xs: 1, sm: 2 },
      gridTemplateColumns: { xs: '1fr', lg: 'minmax(0, 1fr) minmax(0, 1fr)' },
    }}
  >
    <Stack spacing={2} sx={{ minWidth: 0 }}>
      <RenderError />
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: 'repeat(auto-fill, minmax(160px, 1fr))' }}>
        <Labeled label="resources.checks.fields.status"><StatusChip /></Labeled>
        <Labeled><TextField source="printer_name" /></Labeled>
        <Labeled><TextField source="point_id" /></Labeled>
        <Labeled><SelectField source="type" choices={checkTypeChoices} /></Labeled>
        <Labeled><TextField source="order_id" /></Labeled>
        <Labeled><NumberField source="render_attempts" /></Labeled>
        <Labeled><DateTimeField source="created_at" /></Labeled>
        <Labeled><DateTimeField source="rendered_at" /></Labeled>
        <Labeled><DateTimeField source="printed_at" /></Labeled>
      </Box>
      <Card variant="outlined">
        <CardContent>
          <OrderDetails />
        </CardContent>
      </Card>
    </Stack>
    <Box sx={{ minWidth: 0 }}>
      <PdfPreview />
    </Box>
  </Box>
);

export const CheckShow = () => (
  <Show actions={<CheckShowActions />}>
    <CheckDetails />
  </Show>
);

export const checks = {
  name: 'checks',
  list: CheckList,
  show: CheckShow,
  icon: ReceiptIcon,
  recordRepresentation: (record) => `${record.id}`,
};
