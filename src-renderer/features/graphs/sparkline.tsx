import { useTheme } from '@mui/material/styles';
import { sparklinePath } from './stats-model.js';

const WIDTH = 240;
const HEIGHT = 40;

/** A small line graph of recent values; `label` is its accessible name (the values are also shown as text). */
export function Sparkline({ values, max, label, color }: { values: readonly number[]; max: number; label: string; color?: string }) {
  const theme = useTheme();
  const stroke = color ?? theme.palette.primary.main;
  return (
    <svg role="img" aria-label={label} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" height={HEIGHT} preserveAspectRatio="none" style={{ display: 'block' }}>
      <rect x={0} y={0} width={WIDTH} height={HEIGHT} fill="none" stroke={theme.palette.divider} />
      <path d={sparklinePath(values, WIDTH, HEIGHT, max)} fill="none" stroke={stroke} strokeWidth={1.5} vectorEffect="non-scaling-stroke" />
    </svg>
  );
}
