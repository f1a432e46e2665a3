/** Segments: definitions as data, the field catalogue, the SQL compiler and the shipped presets. */
export * from './compile.js';
export * from './definition.js';
export * from './duration.js';
export * from './fields.js';
export * from './presets.js';
