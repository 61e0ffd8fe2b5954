#!/usr/bin/env node
'use strict';
require('../dist/worker.js');
