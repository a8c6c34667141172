import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatFigure,
  formatLimit,
  formatNumber,
  formatPct,
  formatSigned,
} from '../../src/compare/format.ts';

const cases: [string, string, string][] = [
  [formatNumber(1234567), '1,234,567', 'grouped'],
  [formatNumber(-1234.5, 1), '-1,234.5', 'negative with a decimal'],
  [formatNumber(-0.0001, 2), '0.00', 'no minus sign on a value that rounds to zero'],
  [formatNumber(999.999, 2), '1,000.00', 'rounding carries into a new group'],
  [formatSigned(42, 0), '+42', 'plus on a positive'],
  [formatSigned(0.0004, 2), '0.00', 'no plus on a value that rounds to zero'],
  [formatSigned(-3, 0), '-3', 'minus kept'],
  [formatPct(42), '+42.0%', 'percent, one decimal'],
  [formatPct(-0.04), '0.0%', 'tiny change reads 0.0%'],
  [formatLimit(5), '5', 'limit as written'],
  [formatLimit(2.5), '2.5', 'fractional limit'],
  [formatLimit(0.1 + 0.2), '0.3', 'float noise removed'],
  [formatFigure(70000), '70,000', 'integer figure grouped'],
  [formatFigure(2268.356), '2,268.4', 'large fraction: one decimal'],
  [formatFigure(0.72714), '0.727', 'small fraction: three decimals'],
  [formatNumber(Infinity), 'Infinity', 'non-finite values pass through'],
];

for (const [got, want, why] of cases) {
  test(`format: ${why}`, () => assert.equal(got, want));
}
