// The CLI's units are the shared ones (src/util/units.ts); this keeps the commands' imports short.
export * from '../util/units.ts';
