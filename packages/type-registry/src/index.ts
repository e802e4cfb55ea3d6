export { TypeRegistryFollower } from './registry-follower.js';
export { readRegistration, registrationMessage, TypeRegistry } from './type-registry.js';
