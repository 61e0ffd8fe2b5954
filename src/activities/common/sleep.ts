/** A cancellable sleep for activity loops: the one abortable sleep of src/shared/abort.ts. */
export { sleep } from '../../shared/abort';
