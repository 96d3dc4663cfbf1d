#!/usr/bin/env node
// Checked in rather than built: npm links a workspace's bins only when the file exists at install time.
import '../dist/main.js';
