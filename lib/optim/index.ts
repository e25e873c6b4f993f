export * from './optimizer';
export * from './lars';
export * from './sgd';
export * from './schedule';
