/** A chart with "SVG" and "PNG" download buttons under it. The chart itself stays plain data → `<svg>`. */
import { useRef, useState, type ReactNode } from 'react';
import { pngBlob, svgText } from './chartFile';
import { download } from '../components/download';

export function ChartFrame({ name, title, children }: { name: string; title: string; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const save = async (kind: 'svg' | 'png') => {
    const svg = ref.current?.querySelector('svg');
    if (!svg) return;
    try {
      if (kind === 'svg') download(svgText(svg), `${name}.svg`, 'image/svg+xml');
      else download(await pngBlob(svg), `${name}.png`, 'image/png');
      setError(null);
    } catch (err) {
      setError(`The ${title} could not be saved as ${kind.toUpperCase()}: ${(err as Error).message}. Try the other format.`);
    }
  };
  return (
    <div className="chart-frame" ref={ref}>
      {children}
      <div className="chart-export">
        <button type="button" className="small" data-testid="chart-svg" data-chart={name} aria-label={`Download the ${title} as SVG`} onClick={() => void save('svg')}>
          SVG
        </button>
        <button type="button" className="small" data-testid="chart-png" data-chart={name} aria-label={`Download the ${title} as PNG`} onClick={() => void save('png')}>
          PNG
        </button>
      </div>
      {error && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
