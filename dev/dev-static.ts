import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/config.js';

/** Browser files the development pages share (dev/static/dom.js): served by the card preview and the CDS client. */
export const DEV_STATIC_DIR = join(PACKAGE_ROOT, 'dev', 'static');
