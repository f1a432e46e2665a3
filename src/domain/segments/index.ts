/** Segments: definitions as data, the field catalogue and the shipped presets (the SQL compiler is db/segment-sql.ts). */
export * from './definition.js';
export * from './duration.js';
export * from './fields.js';
export * from './presets.js';
