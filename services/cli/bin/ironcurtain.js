#!/usr/bin/env node
// The `ironcurtain` command. A checked-in file rather than dist/bin.js itself: npm links a workspace's bin only if
// the file exists at install time, and a fresh clone runs `npm ci` before anything is built.
import '../dist/bin.js';
