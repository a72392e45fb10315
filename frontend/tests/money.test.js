import { describe, expect, it } from 'vitest';
import { formatMoney, lineTotal, orderTotal } from '../src/common';

const NBSP = '\u00a0';

describe('money, as the printed check writes it', () => {
  it('groups thousands, keeps kopecks and puts the rouble sign after', () => {
    expect(formatMoney('12980.75')).toBe(`12${NBSP}980.75${NBSP}₽`);
    expect(formatMoney('1234567.5')).toBe(`1${NBSP}234${NBSP}567.50${NBSP}₽`);
    expect(formatMoney(99.9)).toBe(`99.90${NBSP}₽`);
    expect(formatMoney('0.005')).toBe(`0.01${NBSP}₽`);
    expect(formatMoney('')).toBe('');
    expect(formatMoney(null)).toBe('');
  });

  it('computes the total as the PDF does: the price, else the exact sum of the lines', () => {
    const items = [
      { name: 'a', quantity: '2', unit_price: '12980.75' },
      { name: 'b', quantity: '0.333', unit_price: '0.10' },
    ];
    expect(lineTotal(items[1])).toBe('0.033300');
    expect(formatMoney(orderTotal({ items }))).toBe(`25${NBSP}961.53${NBSP}₽`);
    expect(formatMoney(orderTotal({ items, price: '1.00' }))).toBe(`1.00${NBSP}₽`);
  });
});
