import { useEffect, useState } from 'react';
import { Card, CardContent, LinearProgress, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import { getRuns } from './api';

/** Home page: the billing runs in progress, and the last failed ones. */
export const RunsCard = () => {
  const translate = useTranslate();
  const [runs, setRuns] = useState([]);
  useEffect(() => {
    let timer;
    const load = async () => {
      try {
        const [active, failed] = await Promise.all([
          getRuns({ active: 'true', limit: '10' }),
          getRuns({ status: 'failed', limit: '5', sort: 'id', order: 'desc' }),
        ]);
        setRuns([...active.items, ...failed.items]);
      } catch {
        setRuns([]);
      }
      timer = setTimeout(load, 2000);
    };
    load();
    return () => clearTimeout(timer);
  }, []);
  return (
    <Card>
      <CardContent>
        <Typography variant="h6">{translate('rh.billing.runs_card')}</Typography>
        {runs.length === 0 && <Typography variant="body2">{translate('rh.billing.no_runs')}</Typography>}
        {runs.map((run) => (
          <div key={run.id} data-testid={`run-${run.id}`}>
            <Typography variant="body2">
              #{run.house} · {run.month} · {translate(`rh.billing.status.${run.status}`)} · {run.percent}%
            </Typography>
            <LinearProgress variant="determinate" value={run.percent} color={run.status === 'failed' ? 'error' : 'primary'} />
            {run.error && <Typography variant="caption" color="error">{run.error}</Typography>}
          </div>
        ))}
      </CardContent>
    </Card>
  );
};
