// GeoTrack, the pseudo-module (token GE): a sink for the addresses the regular modules hand over.
import type { ModuleDef } from '../../master/lib/module/def.js';

export const GeoTrack: ModuleDef = { name: 'GeoTrack', token: 'GE' };
