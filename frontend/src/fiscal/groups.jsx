// "Кассовые сервисы": service groups as blocks (model, state, shift), Add and Edit with the model's
// config form drawn from its schema, access settings, Пуск / Стоп, and per group its receipts and shift.
import { useState } from 'react';
import PointOfSaleIcon from '@mui/icons-material/PointOfSale';
import { Box, Button as MuiButton, Card, CardActions, CardContent, Chip, Typography } from '@mui/material';
import {
  BooleanInput,
  Create,
  CreateButton,
  Edit,
  List,
  SelectArrayInput,
  SelectInput,
  SimpleForm,
  TextInput,
  TopToolbar,
  required,
  useGetList,
  useListContext,
  useNotify,
  useRefresh,
  useTranslate,
} from 'react-admin';
import { useWatch } from 'react-hook-form';
import { Link } from 'react-router-dom';
import { AccessPicker } from './AccessPicker';
import { fiscalApi } from './api';

export const STATE_COLOR = { running: 'success', stopped: 'default', error: 'error', in_process: 'info', success: 'success' };

export const ShiftLine = ({ shift }) => {
  const translate = useTranslate();
  if (!shift) return <Typography variant="body2">{translate('rh.fiscal.no_shift')}</Typography>;
  return (
    <Typography variant="body2" color={shift.expired ? 'error' : 'text.primary'}>
      {translate('rh.fiscal.shift_line', { number: shift.number, count: shift.receipts_count,
        opened: new Date(shift.opened_at).toLocaleString() })}
      {shift.expired ? ` — ${translate('rh.fiscal.shift_expired')}` : ''}
    </Typography>
  );
};

const GroupCard = ({ group }) => {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const [accessOpen, setAccessOpen] = useState(false);
  const switchDevice = async (action) => {
    try {
      await fiscalApi.device(group.id, action);
      refresh();
    } catch (error) {
      notify(error.message, { type: 'error' });
    }
  };
  return (
    <Card variant="outlined" data-testid={`group-${group.id}`} data-name={group.name}>
      <CardContent>
        <Typography variant="h6">{group.name}</Typography>
        <Typography variant="body2">{translate('rh.fiscal.model')}: {group.model}</Typography>
        <Box sx={{ my: 1 }}>
          <Chip size="small" color={STATE_COLOR[group.state]} data-testid="device-state" data-state={group.state}
            label={translate(`rh.fiscal.state.${group.state}`)} />
        </Box>
        {group.error && <Typography variant="body2" color="error">{group.error}</Typography>}
        <ShiftLine shift={group.shift} />
      </CardContent>
      <CardActions sx={{ flexWrap: 'wrap' }}>
        <MuiButton size="small" onClick={() => setAccessOpen(true)} data-testid="access-open">
          {translate('rh.fiscal.access')}
        </MuiButton>
        {group.state === 'running' ? (
          <MuiButton size="small" color="warning" onClick={() => switchDevice('stop')} data-testid="device-stop">
            {translate('rh.fiscal.stop')}
          </MuiButton>
        ) : (
          <MuiButton size="small" color="success" onClick={() => switchDevice('start')} data-testid="device-start">
            {translate('rh.fiscal.start')}
          </MuiButton>
        )}
        <MuiButton size="small" component={Link} to={`/fiscal/${group.id}`} data-testid="group-receipts">
          {translate('rh.fiscal.receipts')}
        </MuiButton>
        <MuiButton size="small" component={Link} to={`/service-groups/${group.id}`} data-testid="group-edit">
          {translate('ra.action.edit')}
        </MuiButton>
      </CardActions>
      <AccessPicker group={group} open={accessOpen} onClose={(saved) => { setAccessOpen(false); if (saved) refresh(); }} />
    </Card>
  );
};

const GroupBlocks = () => {
  const { data, isPending } = useListContext();
  if (isPending || !data) return null;
  return (
    <Box sx={{ display: 'grid', gap: 2, p: 2, gridTemplateColumns: 'repeat(auto-fill, minmax(300px, 1fr))' }}>
      {data.map((group) => <GroupCard key={group.id} group={group} />)}
    </Box>
  );
};

export const ServiceGroupList = () => (
  <List actions={<TopToolbar><CreateButton label="rh.fiscal.add" /></TopToolbar>} perPage={100} empty={false}
    sort={{ field: 'id', order: 'ASC' }}>
    <GroupBlocks />
  </List>
);

/** The selected model's config form, drawn from its JSON schema. */
const ConfigFields = () => {
  const model = useWatch({ name: 'model' });
  const { data: models } = useGetList('cash-register-models');
  const found = (models || []).find((m) => m.id === model);
  if (!found) return null;
  return Object.entries(found.config_schema.properties || {}).map(([name, property]) => {
    const source = `config.${name}`;
    const label = property.title || name;
    const initial = found.defaults?.[name];
    if (property.type === 'boolean') {
      return <BooleanInput key={name} source={source} label={label} defaultValue={initial} />;
    }
    if (property.type === 'array') {
      const choices = (property.items?.enum || []).map((id) => ({ id, name: `rh.fiscal.tax_system.${id}` }));
      return <SelectArrayInput key={name} source={source} label={label} choices={choices} defaultValue={initial} />;
    }
    return <TextInput key={name} source={source} label={label} defaultValue={initial ?? ''}
      parse={(v) => (v === '' ? null : v)} fullWidth />;
  });
};

/** The group's name, its cash register model and that model's config: one form to add and to edit. */
const GroupForm = () => {
  const { data: models } = useGetList('cash-register-models');
  return (
    <SimpleForm>
      <TextInput source="name" validate={required()} fullWidth />
      <SelectInput source="model" validate={required()}
        choices={(models || []).map((m) => ({ id: m.id, name: m.title }))} />
      <ConfigFields />
    </SimpleForm>
  );
};

export const ServiceGroupCreate = () => <Create redirect="list"><GroupForm /></Create>;

// Pessimistic: the server validates the config against the model's schema; its 400 stays on the form.
export const ServiceGroupEdit = () => <Edit redirect="list" mutationMode="pessimistic"><GroupForm /></Edit>;

export const serviceGroups = {
  name: 'service-groups',
  list: ServiceGroupList,
  create: ServiceGroupCreate,
  edit: ServiceGroupEdit,
  icon: PointOfSaleIcon,
  recordRepresentation: 'name',
};

export const cashRegisterModels = { name: 'cash-register-models' };
