import { defineConfig } from 'vitest/config';

// One run for the whole repo: each package and service is a project of its own (unit tests next
// to the code), and test/ is the integration project with its own setup.
export default defineConfig({
  test: {
    projects: ['packages/*', 'services/*', 'test'],
  },
});
