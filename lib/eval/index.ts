export * from './cross-correlation';
