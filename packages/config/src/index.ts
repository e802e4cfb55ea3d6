export { ConfigError, readEnv, type Env, type EnvReader } from './env-reader.js';
