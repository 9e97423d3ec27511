import { useEffect, useState } from 'react';
import Box from '@mui/material/Box';
import { useApi } from '../../state/api-context.js';

const REFRESH_MS = 3000;

/** A live screenshot of a running machine, refreshed every few seconds while it is shown. */
export function VmPreview({ vmId, name, live }: { vmId: string; name: string; live: boolean }) {
  const api = useApi();
  const [png, setPng] = useState<string | null>(null);
  useEffect(() => {
    if (!live) {
      setPng(null);
      return;
    }
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      api.call('vm.screenshot', { vm: vmId }).then(
        (r) => alive && setPng(r.pngBase64),
        () => undefined, // no display (headless) or between states: keep the last picture
      ).finally(() => {
        if (alive) timer = setTimeout(tick, REFRESH_MS);
      });
    };
    tick();
    return () => {
      alive = false;
      if (timer) clearTimeout(timer);
    };
  }, [api, vmId, live]);
  if (!live || !png) return null;
  return (
    <Box
      component="img"
      src={`data:image/png;base64,${png}`}
      alt={`Screen of ${name}`}
      sx={{ display: 'block', maxWidth: '100%', maxHeight: 240, borderRadius: 1, border: 1, borderColor: 'divider', mb: 1.5 }}
    />
  );
}
