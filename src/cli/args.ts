// Small helpers the CLI's commands share: argument parsers for commander and the time stamp in default names.
import { InvalidArgumentError } from 'commander';

export const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
};

/** `20261201-130621`: the UTC time as default run ids and output folders carry it. */
export const timeStamp = (d = new Date()): string =>
  d.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
