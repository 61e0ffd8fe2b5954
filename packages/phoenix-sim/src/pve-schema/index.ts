export { validatorFor, SchemaValidator, parseBoolean, type Errors, type RawParams } from './validator';
export { schemaFile, type PveRelease, type SchemaFile, type SchemaParam } from './schema-file';
export { splitList } from './formats';
