export { ConfigError, type Env, type EnvReader, readEnv } from './env-reader.js';
