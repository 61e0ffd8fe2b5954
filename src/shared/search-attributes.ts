import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes Phoenix workflows set so operators can find runs in the
 * Web UI and `phoenix-client` can list them (`PhoenixId='101'`).
 *
 * They must be registered on the server before a workflow uses them: the dev-server
 * launcher passes `--search-attribute NAME=Keyword` for each key below; a
 * self-hosted cluster or Temporal Cloud needs `temporal operator search-attribute
 * create` once. Search attribute values are stored unencoded (payload codecs do not
 * apply), so never put a secret in one.
 *
 * Bundled into workflow code: no Node built-ins, no I/O.
 */

/** The guest id (CTID or VMID) the workflow provisions, as a string. */
export const PhoenixId = defineSearchAttributeKey('PhoenixId', SearchAttributeType.KEYWORD);

/** What kind of run this is: `lxc`, `vm`, `template`, `diagnostics`, ... */
export const PhoenixKind = defineSearchAttributeKey('PhoenixKind', SearchAttributeType.KEYWORD);

/** The template a guest is cloned from, when there is one. */
export const PhoenixTemplate = defineSearchAttributeKey('PhoenixTemplate', SearchAttributeType.KEYWORD);

/** The provisioning step currently running, upserted as the workflow advances. */
export const PhoenixStep = defineSearchAttributeKey('PhoenixStep', SearchAttributeType.KEYWORD);

/** Every key, for registration on a server (dev server flags, operator commands). */
export const PHOENIX_SEARCH_ATTRIBUTES = [PhoenixId, PhoenixKind, PhoenixTemplate, PhoenixStep] as const;
