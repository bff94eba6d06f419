// GeoTrack: the pseudo-module, fed by the modules through $FIFO_BASE/GeoTrack.
import { runGeoTrackProgram } from '../../master/lib/geo/programs.js';

export const main = (argv: string[]): Promise<number> => runGeoTrackProgram(argv);
