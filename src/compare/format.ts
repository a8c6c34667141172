// Number formatting shared by the verdict messages (src/compare) and the report tables
// (src/report), so that a figure reads the same in a reason and in the table beside it.
// Locale-independent on purpose: CI machines differ and a comment must not.

/** 1234567 -> '1,234,567'; fractions keep up to `digits` decimals. */
export function formatNumber(x: number, digits = 0): string {
  if (!Number.isFinite(x)) return String(x);
  const fixed = Math.abs(x).toFixed(digits);
  const [int, frac] = fixed.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const sign = x < 0 && Number(fixed) !== 0 ? '-' : '';
  return sign + grouped + (frac !== undefined ? `.${frac}` : '');
}

/** A signed value: '+1,234', '-0.50', '0'. */
export function formatSigned(x: number, digits = 0): string {
  const s = formatNumber(x, digits);
  return x > 0 && Number(Math.abs(x).toFixed(digits)) !== 0 ? `+${s}` : s;
}

/** A signed percentage with one decimal: '+42.0%'. */
export function formatPct(x: number): string {
  return `${formatSigned(x, 1)}%`;
}

/** A limit as written in the configuration: no trailing zeros (5 -> '5', 2.5 -> '2.5'). */
export function formatLimit(x: number): string {
  return String(Number(x.toPrecision(12)));
}

/** A measured figure: integers grouped ('70,000'), else 1 decimal from 10 up, 3 below. */
export function formatFigure(x: number): string {
  if (Number.isInteger(x)) return formatNumber(x);
  return formatNumber(x, Math.abs(x) >= 10 ? 1 : 3);
}
