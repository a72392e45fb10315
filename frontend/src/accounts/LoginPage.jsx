import { Box, Typography } from '@mui/material';
import { LocalesMenuButton, Login, LoginForm, useTranslate } from 'react-admin';

/** Username and password, exchanged for a Bearer token by authProvider.login. */
export const LoginPage = () => {
  const translate = useTranslate();
  return (
    <Login
      sx={{ backgroundImage: 'linear-gradient(160deg, #0d47a1 0%, #1976d2 55%, #90caf9 100%)' }}
    >
      <Box sx={{ textAlign: 'center', px: 2 }}>
        <Typography variant="h5" component="h1">
          {translate('rh.app.title')}
        </Typography>
      </Box>
      <LoginForm />
      <Box sx={{ display: 'flex', justifyContent: 'center', pb: 1 }}>
        <LocalesMenuButton />
      </Box>
    </Login>
  );
};

export default LoginPage;
