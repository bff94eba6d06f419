// LoadGeo: GeoTrack's networks of ZONES countries as Loadfiles/Loadfile-GeoTrack (the Load link).
import { runLoadGeoProgram } from '../../master/lib/geo/programs.js';

export const main = (argv: string[]): Promise<number> => runLoadGeoProgram(argv);
