/** Customer value indicators: BG/NBD, Gamma-Gamma, CLV and RFM. Pure functions, no I/O. */
export * from './bgnbd.js';
export * from './clv.js';
export * from './gamma-gamma.js';
export * from './optimize.js';
export * from './rfm.js';
export * from './special.js';
