// A home-page card: a figure with what it counts, opening the filtered list it is the total of.
// Modules build their `cards` (src/<module>/index.js) from it.
import { useEffect, useState } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { Box, Card, CardActionArea, CardContent, CircularProgress, Stack, Typography } from '@mui/material';
import { useDataProvider, useTranslate } from 'react-admin';

/** The react-admin URL of `resource`'s list with `filter` (and `sort`) applied: shareable, like any list. */
export const listLink = (resource, filter, sort = { field: 'id', order: 'DESC' }) => {
  const query = new URLSearchParams({
    filter: JSON.stringify(filter),
    sort: sort.field,
    order: sort.order,
    page: '1',
  });
  return `/${resource}?${query}`;
};

// One request per path for all the cards of a page, refreshed every REFRESH_MS while it is open.
const REFRESH_MS = 30000;
const FRESH_MS = 5000;
const shared = new Map();

/** GET `path` (through the data provider) for the home page's cards: { data, loading, error }. */
export const useHomeFigures = (path) => {
  const dataProvider = useDataProvider();
  const [state, setState] = useState({ loading: true });
  useEffect(() => {
    let alive = true;
    const load = () => {
      let entry = shared.get(path);
      if (!entry || Date.now() - entry.at > FRESH_MS) {
        entry = { at: Date.now(), promise: dataProvider.getJson(path) };
        shared.set(path, entry);
      }
      entry.promise.then(
        (data) => alive && setState({ data }),
        (error) => {
          shared.delete(path);
          if (alive) setState({ error });
        },
      );
    };
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [dataProvider, path]);
  return state;
};

/**
 * `value` under `title`, `hint` below; the whole card links to `to` (a path, or data => path).
 * An `alarm` card turns red while its figure is not zero.
 */
export const HomeCard = ({ testId, icon, title, hint, hintArgs, hintFrom, value, data, to, alarm, loading, error }) => {
  const translate = useTranslate();
  const target = typeof to === 'function' ? to(data) : to;
  const raised = alarm && Number(value) > 0;
  const body = (
    <CardContent>
      <Stack direction="row" spacing={2} alignItems="center">
        <Box sx={{ color: raised ? 'error.main' : 'text.secondary', display: 'flex' }}>{icon}</Box>
        <Box sx={{ minWidth: 0 }}>
          <Typography variant="body2" color="text.secondary">{translate(title)}</Typography>
          {loading ? (
            <CircularProgress size={24} />
          ) : (
            <Typography
              variant="h4"
              component="div"
              color={raised ? 'error.main' : 'text.primary'}
              data-testid={`${testId}-value`}
            >
              {error ? '—' : value}
            </Typography>
          )}
          <Typography variant="caption" color="text.secondary">
            {error ? translate('rh.home.unavailable') : translate(hint, { ...hintArgs, ...(hintFrom ? hintFrom(data) : {}) })}
          </Typography>
        </Box>
      </Stack>
    </CardContent>
  );
  return (
    <Card variant="outlined" data-testid={`card-${testId}`} sx={{ height: '100%', borderColor: raised ? 'error.main' : undefined }}>
      {target ? (
        <CardActionArea component={RouterLink} to={target} sx={{ height: '100%' }}>{body}</CardActionArea>
      ) : body}
    </Card>
  );
};
