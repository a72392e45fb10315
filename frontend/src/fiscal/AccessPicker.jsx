// "Настройки доступа": two lists, users allowed on the right, arrows in the middle to move them.
import { useEffect, useState } from 'react';
import { Box, Button as MuiButton, Dialog, DialogActions, DialogContent, DialogTitle, List, ListItemButton, ListItemText, Paper, Typography } from '@mui/material';
import { useNotify, useTranslate } from 'react-admin';
import { fiscalApi } from './api';

const UserList = ({ title, users, selected, onToggle, testid }) => (
  <Paper variant="outlined" sx={{ flex: 1, minHeight: 240, maxHeight: 360, overflow: 'auto' }} data-testid={testid}>
    <Typography variant="subtitle2" sx={{ p: 1 }}>{title}</Typography>
    <List dense>
      {users.map((user) => (
        <ListItemButton key={user.id} selected={selected.includes(user.id)} onClick={() => onToggle(user.id)}
          data-username={user.username}>
          <ListItemText primary={user.username} secondary={user.full_name} />
        </ListItemButton>
      ))}
    </List>
  </Paper>
);

export const AccessPicker = ({ group, open, onClose }) => {
  const translate = useTranslate();
  const notify = useNotify();
  const [users, setUsers] = useState([]);
  const [allowed, setAllowed] = useState([]);
  const [selected, setSelected] = useState([]);

  useEffect(() => {
    if (!open) return;
    // The list is for cashiers (admins work everywhere; other roles have no fiscal work).
    Promise.all([fiscalApi.cashiers(), fiscalApi.access(group.id)])
      .then(([found, access]) => {
        const cashiers = found.items || [];
        setUsers(cashiers);
        setAllowed(access.user_ids.filter((id) => cashiers.some((u) => u.id === id)));
        setSelected([]);
      })
      .catch((error) => notify(error.message, { type: 'error' }));
  }, [open, group.id, notify]);

  const toggle = (id) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
  const moveRight = () => { setAllowed((a) => [...new Set([...a, ...selected])]); setSelected([]); };
  const moveLeft = () => { setAllowed((a) => a.filter((id) => !selected.includes(id))); setSelected([]); };
  const save = async () => {
    try {
      await fiscalApi.setAccess(group.id, allowed);
      notify('rh.fiscal.access_saved', { type: 'info' });
      onClose(true);
    } catch (error) {
      notify(error.message, { type: 'error' });
    }
  };

  return (
    <Dialog open={open} onClose={() => onClose(false)} maxWidth="md" fullWidth>
      <DialogTitle>{translate('rh.fiscal.access')}: {group.name}</DialogTitle>
      <DialogContent>
        <Box sx={{ display: 'flex', gap: 2, alignItems: 'center' }}>
          <UserList title={translate('rh.fiscal.denied_users')} testid="access-denied"
            users={users.filter((u) => !allowed.includes(u.id))} selected={selected} onToggle={toggle} />
          <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1 }}>
            <MuiButton variant="outlined" onClick={moveRight} data-testid="access-allow">→</MuiButton>
            <MuiButton variant="outlined" onClick={moveLeft} data-testid="access-deny">←</MuiButton>
          </Box>
          <UserList title={translate('rh.fiscal.allowed_users')} testid="access-allowed"
            users={users.filter((u) => allowed.includes(u.id))} selected={selected} onToggle={toggle} />
        </Box>
      </DialogContent>
      <DialogActions>
        <MuiButton onClick={() => onClose(false)}>{translate('ra.action.cancel')}</MuiButton>
        <MuiButton variant="contained" onClick={save} data-testid="access-save">{translate('ra.action.save')}</MuiButton>
      </DialogActions>
    </Dialog>
  );
};
