import { packageConfig } from '../../tsup.base';

// ESM only: the suites import vitest, which refuses to load through require(). Node ≥ 20.19 can
// still require() this ESM build (chaos wrappers and waitForSync work from CommonJS there).
export default packageConfig({ format: ['esm'] });
