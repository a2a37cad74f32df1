export * from './dict.js';
export * from './profile.js';
export * from './builder.js';
export * from './units.js';
