import { useState } from 'react';
import AddIcon from '@mui/icons-material/Add';
import LockResetIcon from '@mui/icons-material/LockReset';
import PeopleIcon from '@mui/icons-material/People';
import {
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  TextField as MuiTextField,
  useMediaQuery,
} from '@mui/material';
import {
  BooleanField,
  BooleanInput,
  Button,
  Create,
  CreateBase,
  DataTable,
  Edit,
  email,
  List,
  ListButton,
  NullableBooleanInput,
  PasswordInput,
  SaveButton,
  SearchInput,
  SelectField,
  SelectInput,
  SimpleForm,
  SimpleList,
  TextInput,
  Toolbar,
  TopToolbar,
  required,
  useDataProvider,
  useNotify,
  useRecordContext,
  useRefresh,
  useTranslate,
} from 'react-admin';
import { DateTimeField, DeactivateButton, ListActions, keepEmpty, listSx, roleChoices } from '../common';

const userFilters = [
  <SearchInput key="q" source="q" alwaysOn />,
  <SelectInput key="role" source="role" choices={roleChoices} alwaysOn />,
  <NullableBooleanInput key="is_active" source="is_active" alwaysOn />,
];

const AddUserToolbar = ({ onCancel }) => (
  <Toolbar sx={{ display: 'flex', gap: 1 }}>
    <SaveButton />
    <Button label="ra.action.cancel" onClick={onCancel} />
  </Toolbar>
);

/**
 * The fiscal seed's flow: Add -> a modal form -> Save -> the new user is in the list.
 * Validation errors from the API appear next to the fields and the dialog stays open.
 */
export const AddUserButton = () => {
  const [open, setOpen] = useState(false);
  const notify = useNotify();
  const refresh = useRefresh();
  const translate = useTranslate();
  const fullScreen = useMediaQuery((theme) => theme.breakpoints.down('sm'));
  const close = () => setOpen(false);
  return (
    <>
      <Button label="rh.users.add" onClick={() => setOpen(true)} data-testid="add-user">
        <AddIcon />
      </Button>
      <Dialog open={open} onClose={close} fullWidth maxWidth="sm" fullScreen={fullScreen} aria-labelledby="add-user-title">
        <DialogTitle id="add-user-title">{translate('rh.users.create_title')}</DialogTitle>
        {open && (
          <CreateBase
            resource="users"
            redirect={false}
            mutationOptions={{
              onSuccess: (user) => {
                notify('rh.users.created', { type: 'success', messageArgs: { name: user?.username } });
                close();
                refresh();
              },
            }}
          >
            <SimpleForm
              defaultValues={{ is_active: true, role: 'cashier' }}
              toolbar={<AddUserToolbar onCancel={close} />}
            >
              <TextInput source="username" validate={required()} fullWidth autoFocus />
              <PasswordInput source="password" validate={required()} fullWidth autoComplete="new-password" />
              <TextInput source="full_name" fullWidth parse={keepEmpty} />
              <TextInput source="email" validate={email()} fullWidth parse={keepEmpty} />
              <SelectInput source="role" choices={roleChoices} validate={required()} />
              <BooleanInput source="is_active" />
            </SimpleForm>
          </CreateBase>
        )}
      </Dialog>
    </>
  );
};

export const UserList = () => {
  const isSmall = useMediaQuery((theme) => theme.breakpoints.down('sm'));
  const translate = useTranslate();
  return (
    <List
      filters={userFilters}
      actions={<ListActions><AddUserButton /></ListActions>}
      sort={{ field: 'id', order: 'ASC' }}
      perPage={25}
      sx={listSx}
    >
      {isSmall ? (
        <SimpleList
          primaryText={(r) => r.username}
          secondaryText={(r) => r.full_name}
          tertiaryText={(r) => translate(`rh.roles.${r.role}`, { _: r.role })}
          rowClick="edit"
        />
      ) : (
        <DataTable rowClick="edit" bulkActionButtons={false}>
          <DataTable.Col source="id" />
          <DataTable.Col source="username" />
          <DataTable.Col source="full_name" />
          <DataTable.Col source="email" />
          <DataTable.Col source="role">
            <SelectField source="role" choices={roleChoices} />
          </DataTable.Col>
          <DataTable.Col source="is_active">
            <BooleanField source="is_active" />
          </DataTable.Col>
          <DataTable.Col source="created_at">
            <DateTimeField source="created_at" />
          </DataTable.Col>
          <DataTable.Col source="last_login_at">
            <DateTimeField source="last_login_at" />
          </DataTable.Col>
        </DataTable>
      )}
    </List>
  );
};

/** POST /users/{id}/password with a new password typed in a dialog. */
export const ResetPasswordButton = () => {
  const record = useRecordContext();
  const dataProvider = useDataProvider();
  const notify = useNotify();
  const translate = useTranslate();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [pending, setPending] = useState(false);
  if (!record) return null;

  const close = () => {
    setOpen(false);
    setPassword('');
    setError(null);
  };
  const submit = async (event) => {
    event.preventDefault();
    setPending(true);
    try {
      await dataProvider.resetUserPassword(record.id, password);
      notify('rh.users.password_changed', { type: 'success' });
      close();
    } catch (e) {
      setError(e?.body?.errors?.password || translate(e?.message || 'ra.notification.http_error', { _: e?.message }));
    } finally {
      setPending(false);
    }
  };

  return (
    <>
      <Button label="rh.users.reset_password" onClick={() => setOpen(true)}>
        <LockResetIcon />
      </Button>
      <Dialog open={open} onClose={close} fullWidth maxWidth="xs">
        <form onSubmit={submit}>
          <DialogTitle>
            {translate('rh.users.reset_password')}: {record.username}
          </DialogTitle>
          <DialogContent>
            <MuiTextField
              autoFocus
              fullWidth
              margin="dense"
              type="password"
              autoComplete="new-password"
              label={translate('rh.users.new_password')}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              error={Boolean(error)}
              helperText={error || ' '}
              required
            />
          </DialogContent>
          <DialogActions>
            <Button label="ra.action.cancel" onClick={close} />
            <Button label="ra.action.save" type="submit" variant="contained" disabled={pending || !password} />
          </DialogActions>
        </form>
      </Dialog>
    </>
  );
};

const UserEditActions = () => (
  <TopToolbar>
    <ResetPasswordButton />
    <ListButton />
  </TopToolbar>
);

const UserEditToolbar = () => (
  <Toolbar sx={{ display: 'flex', justifyContent: 'space-between' }}>
    <SaveButton />
    <DeactivateButton nameField="username" />
  </Toolbar>
);

export const UserEdit = () => (
  <Edit actions={<UserEditActions />} mutationMode="pessimistic" redirect="list">
    <SimpleForm toolbar={<UserEditToolbar />}>
      <TextInput source="username" validate={required()} fullWidth />
      <TextInput source="full_name" fullWidth parse={keepEmpty} />
      <TextInput source="email" validate={email()} fullWidth parse={keepEmpty} />
      <SelectInput source="role" choices={roleChoices} validate={required()} />
      <BooleanInput source="is_active" />
    </SimpleForm>
  </Edit>
);

/** /admin/users/create, typed or bookmarked: the same form as the list's dialog, on a page. */
export const UserCreate = () => (
  <Create redirect="list">
    <SimpleForm defaultValues={{ is_active: true, role: 'cashier' }}>
      <TextInput source="username" validate={required()} fullWidth />
      <PasswordInput source="password" validate={required()} fullWidth autoComplete="new-password" />
      <TextInput source="full_name" fullWidth parse={keepEmpty} />
      <TextInput source="email" validate={email()} fullWidth parse={keepEmpty} />
      <SelectInput source="role" choices={roleChoices} validate={required()} />
      <BooleanInput source="is_active" />
    </SimpleForm>
  </Create>
);

export const users = {
  name: 'users',
  list: UserList,
  edit: UserEdit,
  create: UserCreate,
  icon: PeopleIcon,
  recordRepresentation: 'username',
};
