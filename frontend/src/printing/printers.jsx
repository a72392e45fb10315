import { useState } from 'react';
import KeyIcon from '@mui/icons-material/VpnKey';
import PrintIcon from '@mui/icons-material/Print';
import { useMediaQuery } from '@mui/material';
import {
  BooleanField,
  BooleanInput,
  Button,
  Confirm,
  Create,
  CreateButton,
  DataTable,
  Edit,
  ListButton,
  List,
  NullableBooleanInput,
  NumberInput,
  SaveButton,
  SelectField,
  SelectInput,
  SimpleForm,
  SearchInput,
  SimpleList,
  TextField,
  TextInput,
  Toolbar,
  TopToolbar,
  required,
  useLocaleState,
  useRecordContext,
  useTranslate,
} from 'react-admin';
import {
  DateTimeField,
  DeactivateButton,
  ListActions,
  checkTypeChoices,
  formatDateTime,
  listSx,
  useRecordAction,
} from '../common';

const printerFilters = [
  <SearchInput key="q" source="q" alwaysOn />,
  <NumberInput key="point_id" source="point_id" alwaysOn />,
  <SelectInput key="check_type" source="check_type" choices={checkTypeChoices} alwaysOn />,
  <NullableBooleanInput key="is_active" source="is_active" alwaysOn />,
  <NumberInput key="silent_for" source="silent_for" min={1} step={1} />,
];

const monospace = { fontFamily: 'monospace', wordBreak: 'break-all' };

/** A printer's point, check type and last poll, on a phone. */
const PrinterSecondary = ({ record }) => {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  return (
    <>
      {translate('resources.printers.fields.point_id')} {record.point_id} ·{' '}
      {translate(`rh.choices.check_type.${record.check_type}`, { _: record.check_type })} ·{' '}
      {translate('resources.printers.fields.last_seen_at')}: {formatDateTime(record.last_seen_at, locale)}
    </>
  );
};

export const PrinterList = () => {
  const isSmall = useMediaQuery((theme) => theme.breakpoints.down('sm'));
  const translate = useTranslate();
  return (
    <List
      filters={printerFilters}
      actions={<ListActions><CreateButton /></ListActions>}
      sort={{ field: 'id', order: 'ASC' }}
      perPage={25}
      sx={listSx}
    >
      {isSmall ? (
        <SimpleList
          primaryText={(r) => r.name}
          secondaryText={(r) => (
            <PrinterSecondary record={r} />
          )}
          tertiaryText={(r) => (r.is_active ? '' : translate('rh.choices.active.false'))}
          rowClick="edit"
        />
      ) : (
        <DataTable rowClick="edit" bulkActionButtons={false}>
          <DataTable.Col source="id" />
          <DataTable.Col source="name" />
          <DataTable.NumberCol source="point_id" options={{ useGrouping: false }} />
          <DataTable.Col source="check_type">
            <SelectField source="check_type" choices={checkTypeChoices} />
          </DataTable.Col>
          <DataTable.Col source="is_active">
            <BooleanField source="is_active" />
          </DataTable.Col>
          <DataTable.Col source="last_seen_at">
            <DateTimeField source="last_seen_at" />
          </DataTable.Col>
          <DataTable.Col source="api_key" disableSort>
            <TextField source="api_key" sx={monospace} />
          </DataTable.Col>
        </DataTable>
      )}
    </List>
  );
};

/** POST /printers/{id}/regenerate_key after a confirmation; shows the new key. */
export const RegenerateKeyButton = () => {
  const record = useRecordContext();
  const [open, setOpen] = useState(false);
  const { run, pending } = useRecordAction(
    (dataProvider, printer) => dataProvider.regeneratePrinterKey(printer.id),
    'rh.printers.key_regenerated',
    ({ data }) => ({ key: data?.api_key }),
  );
  if (!record) return null;

  const regenerate = async () => {
    await run(record);
    setOpen(false);
  };

  return (
    <>
      <Button label="rh.printers.regenerate_key" onClick={() => setOpen(true)} disabled={pending} data-testid="regenerate-key">
        <KeyIcon />
      </Button>
      <Confirm
        isOpen={open}
        loading={pending}
        title="rh.printers.regenerate_title"
        content="rh.printers.regenerate_content"
        onConfirm={regenerate}
        onClose={() => setOpen(false)}
      />
    </>
  );
};

const PrinterFormFields = () => (
  <>
    <TextInput source="name" validate={required()} fullWidth />
    <SelectInput source="check_type" choices={checkTypeChoices} validate={required()} />
    <NumberInput source="point_id" validate={required()} step={1} />
    <BooleanInput source="is_active" />
    <TextInput
      source="time_zone"
      helperText="rh.printers.time_zone_help"
      parse={(v) => (v === '' ? null : v)}
    />
  </>
);

const ApiKey = () => {
  const record = useRecordContext();
  const translate = useTranslate();
  if (!record) return null;
  return (
    <div>
      <div style={{ fontSize: '0.75rem', opacity: 0.7 }}>{translate('resources.printers.fields.api_key')}</div>
      <TextField source="api_key" sx={monospace} data-testid="printer-api-key" />
    </div>
  );
};

const PrinterEditActions = () => (
  <TopToolbar>
    <RegenerateKeyButton />
    <ListButton />
  </TopToolbar>
);

const PrinterEditToolbar = () => (
  <Toolbar sx={{ display: 'flex', justifyContent: 'space-between' }}>
    <SaveButton />
    <DeactivateButton />
  </Toolbar>
);

export const PrinterEdit = () => (
  <Edit actions={<PrinterEditActions />} mutationMode="pessimistic" redirect="list">
    <SimpleForm toolbar={<PrinterEditToolbar />}>
      <ApiKey />
      <PrinterFormFields />
    </SimpleForm>
  </Edit>
);

export const PrinterCreate = () => (
  <Create redirect="list">
    <SimpleForm defaultValues={{ is_active: true }}>
      <PrinterFormFields />
      <TextInput
        source="api_key"
        helperText="rh.printers.api_key_help"
        fullWidth
        parse={(v) => (v === '' ? undefined : v)}
      />
    </SimpleForm>
  </Create>
);

export const printers = {
  name: 'printers',
  list: PrinterList,
  edit: PrinterEdit,
  create: PrinterCreate,
  icon: PrintIcon,
  recordRepresentation: 'name',
};
