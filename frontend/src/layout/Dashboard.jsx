import { Box, Card, CardContent, Typography } from '@mui/material';
import { Title, useGetIdentity, usePermissions, useTranslate } from 'react-admin';
import { HOME_CARDS, RESOURCES } from '../modules';

/**
 * The home page: what needs an admin's attention first, as each module's cards (HOME_CARDS, those the
 * user's permissions let them read), each opening the filtered list behind its figure; a short
 * greeting above. A role without cards gets the greeting and where to go.
 */
export const Dashboard = () => {
  const translate = useTranslate();
  const { data: identity } = useGetIdentity();
  const { permissions } = usePermissions();
  const role = identity?.role;
  const hasPages = RESOURCES.some((resource) => (permissions || []).includes(resource.permissions.read));
  const name = identity?.fullName || identity?.username || '';
  const cards = HOME_CARDS.filter((card) => (permissions || []).includes(card.permission));
  return (
    <Box sx={{ mt: 2 }} data-testid="dashboard">
      <Title title="rh.dashboard.title" />
      <Typography variant="h6" component="h1">
        {translate('rh.dashboard.welcome', { name })}
      </Typography>
      {role && (
        <Typography variant="body2" color="text.secondary" gutterBottom>
          {translate('rh.dashboard.role', { role: translate(`rh.roles.${role}`, { _: role }) })}
        </Typography>
      )}
      {cards.length > 0 ? (
        <Box
          sx={{ mt: 2, display: 'grid', gap: 2, gridTemplateColumns: 'repeat(auto-fill, minmax(240px, 1fr))' }}
          data-testid="home-cards"
        >
          {cards.map((card) => (
            <Box key={card.key} data-testid={`home-card-${card.key}`}>{card.element}</Box>
          ))}
        </Box>
      ) : (
        <Card sx={{ mt: 2 }}>
          <CardContent>
            <Typography variant="body2" color="text.secondary">
              {translate(hasPages ? 'rh.dashboard.admin_hint' : 'rh.dashboard.no_pages')}
            </Typography>
          </CardContent>
        </Card>
      )}
    </Box>
  );
};

export default Dashboard;
