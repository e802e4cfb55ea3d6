export { TypeRegistry, registrationMessage, readRegistration } from './type-registry.js';
export { TypeRegistryFollower } from './registry-follower.js';
