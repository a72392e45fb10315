import { Box, Chip, Typography } from '@mui/material';
import {
  AppBar,
  Layout,
  LoadingIndicator,
  LocalesMenuButton,
  Menu,
  TitlePortal,
  usePermissions,
  useGetIdentity,
  useTranslate,
} from 'react-admin';
import { PAGES } from '../modules';

/** The signed-in user's name and role, always visible in the app bar. */
export const CurrentUser = () => {
  const { data: identity, isPending } = useGetIdentity();
  const translate = useTranslate();
  if (isPending || !identity) return null;
  return (
    <Box
      data-testid="current-user"
      sx={{ display: 'flex', alignItems: 'center', gap: 1, mx: 1, minWidth: 0 }}
    >
      <Typography variant="body2" noWrap sx={{ fontWeight: 500 }}>
        {identity.username}
      </Typography>
      <Chip
        size="small"
        label={translate(`rh.roles.${identity.role}`, { _: identity.role })}
        data-role={identity.role}
        sx={{ color: 'inherit', borderColor: 'currentColor' }}
        variant="outlined"
      />
    </Box>
  );
};

const AppBarToolbar = () => (
  <>
    <CurrentUser />
    <LocalesMenuButton />
    <LoadingIndicator />
  </>
);

const ReceiptHubAppBar = () => (
  <AppBar toolbar={<AppBarToolbar />}>
    <TitlePortal />
  </AppBar>
);

// minWidth 0 lets wide tables scroll inside the content area instead of widening the page
// (tablets in portrait keep the menu open beside the list).
const layoutSx = { minWidth: 0, '& .RaLayout-appFrame, & .RaLayout-contentWithSidebar, & .RaLayout-content': { minWidth: 0 } };

/** The resources the user may read, then every module page with a menu entry the user may open. */
const ReceiptHubMenu = () => {
  const { permissions } = usePermissions();
  const translate = useTranslate();
  const pages = PAGES.filter((page) => page.menu && (permissions || []).includes(page.permission));
  return (
    <Menu>
      <Menu.DashboardItem />
      <Menu.ResourceItems />
      {pages.map((page) => (
        <Menu.Item
          key={page.path}
          to={page.path}
          primaryText={translate(page.menu.label)}
          leftIcon={page.menu.icon}
        />
      ))}
    </Menu>
  );
};

export const AppLayout = ({ children }) => (
  <Layout appBar={ReceiptHubAppBar} menu={ReceiptHubMenu} sx={layoutSx}>
    {children}
  </Layout>
);

export default AppLayout;
