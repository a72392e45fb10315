import { Box, Card, CardContent, CardHeader, Typography } from '@mui/material';
import { Title, useGetIdentity, usePermissions, useTranslate } from 'react-admin';
import { HOME_CARDS, RESOURCES } from '../modules';

/** The home page: a welcome for everyone; admins find their pages in the menu. */
export const Dashboard = () => {
  const translate = useTranslate();
  const { data: identity } = useGetIdentity();
  const { permissions } = usePermissions();
  const role = identity?.role;
  const hasPages = RESOURCES.some((resource) => (permissions || []).includes(resource.permissions.read));
  const name = identity?.fullName || identity?.username || '';
  const cards = HOME_CARDS.filter((card) => (permissions || []).includes(card.permission));
  return (
    <>
    <Card sx={{ mt: 2 }} data-testid="dashboard">
      <Title title="rh.dashboard.title" />
      <CardHeader title={translate('rh.dashboard.welcome', { name })} />
      <CardContent>
        {role && (
          <Typography variant="body1" gutterBottom>
            {translate('rh.dashboard.role', { role: translate(`rh.roles.${role}`, { _: role }) })}
          </Typography>
        )}
        <Typography variant="body2" color="text.secondary">
          {translate(hasPages ? 'rh.dashboard.admin_hint' : 'rh.dashboard.no_pages')}
        </Typography>
      </CardContent>
    </Card>
    {cards.length > 0 && (
      <Box sx={{ mt: 2, display: 'grid', gap: 2, gridTemplateColumns: 'repeat(auto-fill, minmax(280px, 1fr))' }}>
        {cards.map((card) => (
          <Box key={card.key} data-testid={`home-card-${card.key}`}>{card.element}</Box>
        ))}
      </Box>
    )}
    </>
  );
};

export default Dashboard;
