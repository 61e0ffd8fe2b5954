#!/usr/bin/env node
'use strict';
// Thin shim: the CLI is compiled from src/ into dist/ by `npm run build`.
require('../dist/client.js');
