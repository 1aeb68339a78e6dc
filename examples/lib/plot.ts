/**
 * Terminal and SVG line charts for the demo's loss curves: no dependencies, a few series on
 * shared axes.
 */

export interface Series {
  name: string;
  values: readonly number[];
}

const MARKS = ['*', 'o', '+', 'x'];

function range(series: readonly Series[]): { lo: number; hi: number; n: number } {
  const all = series.flatMap((s) => s.values.filter(Number.isFinite));
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  return { lo, hi: hi > lo ? hi : lo + 1, n: Math.max(...series.map((s) => s.values.length)) };
}

/** A character plot, `width` × `height` cells, with the y range on the left and a legend below. */
export function asciiChart(series: readonly Series[], width = 64, height = 14): string {
  const { lo, hi, n } = range(series);
  const grid = Array.from({ length: height }, () => new Array<string>(width).fill(' '));
  series.forEach((s, k) => {
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const x = n <= 1 ? 0 : Math.round((i / (n - 1)) * (width - 1));
      const y = height - 1 - Math.round(((v - lo) / (hi - lo)) * (height - 1));
      grid[y][x] =
        grid[y][x] === ' ' || grid[y][x] === MARKS[k % MARKS.length]
          ? MARKS[k % MARKS.length]
          : '#';
    });
  });
  const label = (v: number): string => v.toFixed(3).padStart(8);
  const lines = grid.map((row, r) => {
    const tick = r === 0 ? label(hi) : r === height - 1 ? label(lo) : ' '.repeat(8);
    return `${tick} |${row.join('')}`;
  });
  lines.push(`${' '.repeat(8)} +${'-'.repeat(width)}`);
  lines.push(
    `${' '.repeat(10)}${series.map((s, k) => `${MARKS[k % MARKS.length]} ${s.name}`).join('   ')}   (# where they overlap)`,
  );
  return lines.join('\n');
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

/**
 * An SVG line chart of the series, with axes, a title and a legend (top right, or bottom right
 * for curves that rise, such as accuracy, so that it does not cover them).
 */
export function svgChart(
  series: readonly Series[],
  title: string,
  xLabel: string,
  yLabel: string,
  legendAt: 'top' | 'bottom' = 'top',
): string {
  const W = 720;
  const H = 420;
  const m = { l: 64, r: 16, t: 40, b: 48 };
  const { lo, hi, n } = range(series);
  const px = (i: number): number => m.l + (n <= 1 ? 0 : (i / (n - 1)) * (W - m.l - m.r));
  const py = (v: number): number => H - m.b - ((v - lo) / (hi - lo)) * (H - m.t - m.b);
  const paths = series.map((s, k) => {
    const d = s.values
      .map((v, i) =>
        Number.isFinite(v) ? `${i === 0 ? 'M' : 'L'}${px(i).toFixed(1)},${py(v).toFixed(1)}` : '',
      )
      .join('');
    return `<path d="${d}" fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="1.2" opacity="0.85"/>`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = lo + f * (hi - lo);
    return `<text x="${m.l - 6}" y="${py(v) + 4}" text-anchor="end" font-size="11">${v.toFixed(3)}</text><line x1="${m.l}" x2="${W - m.r}" y1="${py(v)}" y2="${py(v)}" stroke="#ddd"/>`;
  });
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const i = Math.round(f * (n - 1));
    return `<text x="${px(i)}" y="${H - m.b + 16}" text-anchor="middle" font-size="11">${i + 1}</text>`;
  });
  const legendTop = legendAt === 'top' ? m.t + 8 : H - m.b - 8 - 18 * series.length;
  const legend = series.map(
    (s, k) =>
      `<rect x="${W - m.r - 170}" y="${legendTop + 18 * k}" width="12" height="3" fill="${COLORS[k % COLORS.length]}"/><text x="${W - m.r - 152}" y="${legendTop + 5 + 18 * k}" font-size="12">${s.name}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${title}</text>`,
    ...ticks,
    ...xTicks,
    `<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="black"/>`,
    `<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="black"/>`,
    `<text x="${W / 2}" y="${H - 12}" text-anchor="middle" font-size="12">${xLabel}</text>`,
    `<text x="16" y="${H / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${H / 2})">${yLabel}</text>`,
    ...paths,
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}

/** Charts made by {@link svgChart}, one under the other in a single SVG document. */
export function svgStack(charts: readonly string[]): string {
  const size = (svg: string, attr: 'width' | 'height'): number =>
    Number(new RegExp(`^<svg[^>]* ${attr}="(\\d+)"`).exec(svg)?.[1] ?? 0);
  const width = Math.max(...charts.map((c) => size(c, 'width')));
  let y = 0;
  const placed = charts.map((c) => {
    const nested = c.replace(/^<svg /, `<svg y="${y}" `);
    y += size(c, 'height');
    return nested;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}">`,
    ...placed,
    '</svg>',
    '',
  ].join('\n');
}
