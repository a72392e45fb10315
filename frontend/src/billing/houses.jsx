import { useCallback, useEffect, useRef, useState } from 'react';
import HomeWorkIcon from '@mui/icons-material/HomeWork';
import CalculateIcon from '@mui/icons-material/Calculate';
import DownloadIcon from '@mui/icons-material/Download';
import SaveIcon from '@mui/icons-material/Save';
import {
  Alert,
  Box,
  Button as MuiButton,
  Card,
  CardContent,
  Checkbox,
  FormControlLabel,
  LinearProgress,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField as MuiTextField,
  Typography,
} from '@mui/material';
import {
  ArrayInput,
  Create,
  DataTable,
  Edit,
  List,
  Show,
  SimpleForm,
  SimpleFormIterator,
  TextInput,
  required,
  useRecordContext,
  useTranslate,
} from 'react-admin';
import { DateTimeField, ListActions, listSx } from '../common';
import { downloadBillsCsv, getBills, getReadings, getRun, postReadings, startRun, thisMonth } from './api';

export const HouseList = () => (
  <List
    filters={[<TextInput key="q" source="q" alwaysOn />]}
    actions={<ListActions />}
    sort={{ field: 'id', order: 'ASC' }}
    perPage={25}
    sx={listSx}
  >
    <DataTable rowClick="show" bulkActionButtons={false}>
      <DataTable.Col source="id" />
      <DataTable.Col source="address" />
      <DataTable.NumberCol source="apartment_count" disableSort />
      <DataTable.Col source="created_at">
        <DateTimeField source="created_at" />
      </DataTable.Col>
    </DataTable>
  </List>
);

const MonthInput = ({ value, onChange, testId }) => {
  const translate = useTranslate();
  return (
    <MuiTextField
      type="month"
      size="small"
      label={translate('rh.billing.month')}
      value={value}
      onChange={(event) => onChange(event.target.value)}
      inputProps={{ 'data-testid': testId }}
      InputLabelProps={{ shrink: true }}
    />
  );
};

/** "Рассчитать": starts the house's run for the month and shows its progress, polled until it ends. */
const CalculatePanel = ({ month, setMonth, onDone }) => {
  const record = useRecordContext();
  const translate = useTranslate();
  const [recalculate, setRecalculate] = useState(false);
  const [run, setRun] = useState(null);
  const [error, setError] = useState(null);
  const timer = useRef(null);
  useEffect(() => () => clearTimeout(timer.current), []);

  const poll = useCallback(async (runId) => {
    try {
      const current = await getRun(runId);
      setRun(current);
      if (current.status === 'pending' || current.status === 'running') {
        timer.current = setTimeout(() => poll(runId), 300);
      } else {
        onDone();
      }
    } catch (failure) {
      setError(failure.message);
    }
  }, [onDone]);

  const start = async () => {
    setError(null);
    try {
      const started = await startRun(record.id, month, recalculate);
      setRun(started);
      clearTimeout(timer.current);
      poll(started.id);
    } catch (failure) {
      setError(failure.message);
    }
  };

  return (
    <Card variant="outlined" sx={{ mb: 2 }}>
      <CardContent>
        <Stack direction="row" spacing={2} alignItems="center" flexWrap="wrap">
          <MonthInput value={month} onChange={setMonth} testId="run-month" />
          <FormControlLabel
            control={<Checkbox checked={recalculate} onChange={(e) => setRecalculate(e.target.checked)} />}
            label={translate('rh.billing.recalculate')}
          />
          <MuiButton variant="contained" startIcon={<CalculateIcon />} onClick={start} data-testid="calculate"
            disabled={run && (run.status === 'pending' || run.status === 'running')}>
            {translate('rh.billing.calculate')}
          </MuiButton>
        </Stack>
        {run && (
          <Box sx={{ mt: 2 }} data-testid="run-progress" data-status={run.status} data-percent={run.percent}>
            <LinearProgress variant="determinate" value={run.percent} color={run.status === 'failed' ? 'error' : 'primary'} />
            <Typography variant="body2" sx={{ mt: 1 }}>
              {translate(`rh.billing.status.${run.status}`)} · {run.processed} / {run.total} · {run.percent}%
            </Typography>
            {run.error && <Alert severity="error" sx={{ mt: 1 }}>{run.error}</Alert>}
          </Box>
        )}
        {error && <Alert severity="error" sx={{ mt: 1 }}>{error}</Alert>}
      </CardContent>
    </Card>
  );
};

/** The month's bills with their totals and the CSV export. */
const BillsPanel = ({ month, version }) => {
  const record = useRecordContext();
  const translate = useTranslate();
  const [page, setPage] = useState(null);
  useEffect(() => {
    if (!record || !month) return;
    getBills(record.id, month).then(setPage).catch(() => setPage(null));
  }, [record, month, version]);
  if (!page) return null;
  return (
    <Card variant="outlined" sx={{ mb: 2 }}>
      <CardContent>
        <Stack direction="row" justifyContent="space-between" alignItems="center">
          <Typography variant="h6">{translate('rh.billing.bills', { month })}</Typography>
          <MuiButton startIcon={<DownloadIcon />} onClick={() => downloadBillsCsv(record.id, month)}
            disabled={!page.total}>
            CSV
          </MuiButton>
        </Stack>
        <Table size="small" data-testid="bills">
          <TableHead>
            <TableRow>
              <TableCell>{translate('rh.billing.apartment')}</TableCell>
              <TableCell align="right">{translate('rh.billing.water')}</TableCell>
              <TableCell align="right">{translate('rh.billing.maintenance')}</TableCell>
              <TableCell align="right">{translate('rh.billing.total')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {page.items.map((bill) => (
              <TableRow key={bill.id}>
                <TableCell>{bill.apartment_number}</TableCell>
                <TableCell align="right">{bill.water_amount}</TableCell>
                <TableCell align="right">{bill.maintenance_amount}</TableCell>
                <TableCell align="right">{bill.total}</TableCell>
              </TableRow>
            ))}
            <TableRow data-testid="bills-totals">
              <TableCell><b>{translate('rh.billing.totals', { count: page.totals.bills })}</b></TableCell>
              <TableCell align="right"><b>{page.totals.water_amount}</b></TableCell>
              <TableCell align="right"><b>{page.totals.maintenance_amount}</b></TableCell>
              <TableCell align="right"><b>{page.totals.total}</b></TableCell>
            </TableRow>
          </TableBody>
        </Table>
      </CardContent>
    </Card>
  );
};

/** Readings entry for a month: a grid, one row per meter in service. */
const ReadingsPanel = ({ month, onSaved }) => {
  const record = useRecordContext();
  const translate = useTranslate();
  const [values, setValues] = useState({});
  const [results, setResults] = useState({});
  useEffect(() => {
    if (!record || !month) return;
    getReadings(record.id, month)
      .then((page) => setValues(Object.fromEntries(page.items.map((r) => [r.meter_id, r.value]))))
      .catch(() => setValues({}));
    setResults({});
  }, [record, month]);
  if (!record) return null;
  const meters = (record.apartments || []).flatMap((a) => a.meters.filter((m) => !m.removed_at).map((m) => ({ ...m, number: a.number })));
  const save = async () => {
    const rows = meters.filter((m) => values[m.id] !== undefined && values[m.id] !== '');
    if (!rows.length) return;
    const answer = await postReadings(rows.map((m) => ({ meter_id: m.id, month, value: String(values[m.id]) })));
    setResults(Object.fromEntries(answer.results.map((r, i) => [rows[i].id, r])));
    onSaved();
  };
  return (
    <Card variant="outlined" sx={{ mb: 2 }}>
      <CardContent>
        <Stack direction="row" justifyContent="space-between" alignItems="center">
          <Typography variant="h6">{translate('rh.billing.readings', { month })}</Typography>
          <MuiButton startIcon={<SaveIcon />} onClick={save} data-testid="save-readings">
            {translate('ra.action.save')}
          </MuiButton>
        </Stack>
        <Table size="small" data-testid="meters">
          <TableHead>
            <TableRow>
              <TableCell>{translate('rh.billing.apartment')}</TableCell>
              <TableCell>{translate('rh.billing.meter')}</TableCell>
              <TableCell>{translate('rh.billing.latest')}</TableCell>
              <TableCell>{translate('rh.billing.reading')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {meters.map((meter) => (
              <TableRow key={meter.id}>
                <TableCell>{meter.number}</TableCell>
                <TableCell>{meter.serial} ({translate(`rh.billing.kind.${meter.kind}`)})</TableCell>
                <TableCell>
                  {meter.latest_reading ? `${meter.latest_reading.value} (${meter.latest_reading.month})` : '—'}
                </TableCell>
                <TableCell>
                  <MuiTextField size="small" value={values[meter.id] ?? ''}
                    inputProps={{ 'data-testid': `reading-${meter.serial}`, inputMode: 'decimal' }}
                    onChange={(e) => setValues({ ...values, [meter.id]: e.target.value })}
                    error={results[meter.id]?.status === 'refused'}
                    helperText={results[meter.id]?.error || (results[meter.id]?.status === 'stored' ? '✓' : '')} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </CardContent>
    </Card>
  );
};

const HouseTitle = () => {
  const record = useRecordContext();
  return record ? <span>{record.address}</span> : null;
};

const HouseBody = () => {
  const record = useRecordContext();
  const translate = useTranslate();
  const [month, setMonth] = useState(thisMonth());
  const [version, setVersion] = useState(0);
  const refresh = useCallback(() => setVersion((v) => v + 1), []);
  if (!record) return null;
  return (
    <Box sx={{ p: 2 }}>
      <Typography variant="h5" data-testid="house-address">{record.address}</Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
        {translate('rh.billing.apartments', { count: record.apartment_count })}
      </Typography>
      <CalculatePanel month={month} setMonth={setMonth} onDone={refresh} />
      <BillsPanel month={month} version={version} />
      <ReadingsPanel month={month} onSaved={refresh} />
    </Box>
  );
};

export const HouseShow = () => (
  <Show title={<HouseTitle />}>
    <HouseBody />
  </Show>
);

const ApartmentsInput = () => (
  <ArrayInput source="apartments">
    <SimpleFormIterator inline>
      <TextInput source="number" validate={required()} />
      <TextInput source="area" validate={required()} />
    </SimpleFormIterator>
  </ArrayInput>
);

export const HouseCreate = () => (
  <Create redirect="show">
    <SimpleForm>
      <TextInput source="address" validate={required()} fullWidth />
      <ApartmentsInput />
    </SimpleForm>
  </Create>
);

export const HouseEdit = () => (
  <Edit mutationMode="pessimistic" redirect="show" transform={({ address }) => ({ address })}>
    <SimpleForm>
      <TextInput source="address" validate={required()} fullWidth />
    </SimpleForm>
  </Edit>
);

export const houses = {
  name: 'houses',
  list: HouseList,
  show: HouseShow,
  create: HouseCreate,
  edit: HouseEdit,
  icon: HomeWorkIcon,
  recordRepresentation: 'address',
};

