export * from './optimizer';
export * from './lars';
export * from './sgd';
export * from './adam';
export * from './schedule';
